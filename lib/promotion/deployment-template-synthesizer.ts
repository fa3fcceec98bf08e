import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FileAssetLocation, FileAssetPackaging, FileAssetSource, DockerImageAssetLocation, DockerImageAssetSource, ISynthesisSession, Lazy, Stack, StackSynthesizer } from 'aws-cdk-lib';

/** Stands in for the template's location while the app is prepared, before synthesis. */
const PENDING = 'pending-synthesis';

/**
 * Synthesizes a stack not as a deployable stack of the app but as a zipped template
 * (`template.json`) that becomes a file asset of another stack, the one holding the promotion
 * pipeline. The pipeline deploys that template into staging and production with the model
 * package ARN as a parameter, so the template is synthesized once, with the platform, and never
 * per model. `cdk deploy` does not list the stack.
 *
 * The stack must hold no assets of its own: a promotion deploys one template and nothing else.
 */
export class DeploymentTemplateSynthesizer extends StackSynthesizer {
  private readonly hostStack: Stack;
  private location?: FileAssetLocation;
  private templateFileName?: string;

  /**
   * @param hostStack the stack that owns the template asset (the promotion pipeline's stack)
   */
  constructor(hostStack: Stack) {
    super();
    this.hostStack = hostStack;
  }

  /** The bucket of the zipped template, resolved at synthesis. */
  public get bucketName(): string {
    return Lazy.uncachedString({ produce: () => this.location?.bucketName ?? PENDING });
  }

  /** The object key of the zipped template, resolved at synthesis. */
  public get objectKey(): string {
    return Lazy.uncachedString({ produce: () => this.location?.objectKey ?? PENDING });
  }

  /** The template file's name in the cloud assembly, once synthesized. */
  public get templateFile(): string | undefined {
    return this.templateFileName;
  }

  public addFileAsset(asset: FileAssetSource): FileAssetLocation {
    throw new Error(`deployment template ${this.boundStack.node.path} cannot hold a file asset (${asset.fileName ?? asset.executable?.join(' ')}): a promotion deploys one template, nothing else`);
  }

  public addDockerImageAsset(asset: DockerImageAssetSource): DockerImageAssetLocation {
    throw new Error(`deployment template ${this.boundStack.node.path} cannot hold a container image asset (${asset.directoryName ?? asset.executable?.join(' ')}): use an image from ECR`);
  }

  public synthesize(session: ISynthesisSession): void {
    const stack = this.boundStack;
    this.synthesizeTemplate(session);
    const outdir = session.assembly.outdir;
    const template = fs.readFileSync(path.join(outdir, stack.templateFile));
    const hash = crypto.createHash('sha256').update(template).digest('hex');
    const dirName = `promotion.${stack.artifactId}.${hash.slice(0, 12)}`;
    const dir = path.join(outdir, dirName);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'template.json'), template);
    this.templateFileName = stack.templateFile;
    this.location = this.hostStack.synthesizer.addFileAsset({
      packaging: FileAssetPackaging.ZIP_DIRECTORY,
      sourceHash: hash,
      fileName: dirName,
      displayName: `${stack.node.path} deployment template`,
    });
  }

  public bind(stack: Stack): void {
    // Stacks are synthesized children first: a template inside the host stack is written (and its
    // location known) before the host's own template is rendered.
    if (!this.hostStack.node.findAll().includes(stack)) {
      throw new Error(`deployment template ${stack.node.path} must be defined inside the stack that deploys it (${this.hostStack.node.path})`);
    }
    super.bind(stack);
  }
}
