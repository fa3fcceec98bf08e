export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * An answer passes when it is not empty and, if the project gave a pattern, matches it.
 */
export function checkResponse(body: string, expectedPattern: string | undefined): Verdict {
  if (body.trim() === '') {
    return { ok: false, reason: 'the endpoint answered with an empty body' };
  }
  if (expectedPattern) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(expectedPattern);
    } catch {
      return { ok: false, reason: `expectedResponsePattern '${expectedPattern}' is not a valid regular expression` };
    }
    if (!pattern.test(body)) {
      return { ok: false, reason: `the endpoint's answer does not match ${expectedPattern}: ${body.slice(0, 200)}` };
    }
  }
  return { ok: true };
}

/**
 * `<group>/<version>` of a model package named by ARN or by name, for comparing what a model's
 * container names (`ContainerDefinition.ModelPackageName`, "the name or Amazon Resource Name (ARN)
 * of the model package", botocore sagemaker 2017-07-24) with the resolved package's ARN. Group names
 * compare without case: SageMaker lower-cases names in some ARNs it returns.
 */
export function packageIdentity(nameOrArn: string): string | undefined {
  const m = /^(?:arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:model-package\/)?([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d{1,9})$/.exec(nameOrArn.trim());
  return m ? `${m[1].toLowerCase()}/${Number(m[2])}` : undefined;
}

/** What one production variant of the endpoint serves. */
export interface ServedVariant {
  readonly variantName: string;
  readonly modelName: string;
  /** The model packages its containers name ([] for a model built from an image and artifacts). */
  readonly modelPackages: readonly string[];
}

/**
 * The endpoint serves the resolved package when every production variant's model is built from it
 * (a shadow variant may serve another package on purpose, and is not checked).
 */
export function checkServedPackage(endpointName: string, resolvedArn: string, variants: readonly ServedVariant[]): Verdict {
  const wanted = packageIdentity(resolvedArn);
  if (!wanted) {
    return { ok: false, reason: `the resolved model package '${resolvedArn}' is not a versioned model package ARN` };
  }
  if (variants.length === 0) {
    return { ok: false, reason: `endpoint ${endpointName} has no production variant` };
  }
  for (const variant of variants) {
    const served = variant.modelPackages.map((p) => packageIdentity(p));
    if (served.length === 0 || served.some((s) => s !== wanted)) {
      const names = variant.modelPackages.length > 0 ? variant.modelPackages.join(', ') : 'no model package (an image and artifacts)';
      return {
        ok: false,
        reason: `endpoint ${endpointName} serves ${names} (model ${variant.modelName}, variant ${variant.variantName}), not the resolved model package ${resolvedArn}`,
      };
    }
  }
  return { ok: true };
}
