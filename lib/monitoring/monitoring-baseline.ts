import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Explicit baseline files.
 */
export interface S3BaselineOptions {
  /**
   * `constraints.json` the monitor checks against (from a baselining job or `suggest_baseline`).
   *
   * @default - no constraints: the monitor reports statistics and finds no violations
   */
  readonly constraintsS3Uri?: string;

  /**
   * `statistics.json` of the baseline (data quality only).
   *
   * @default - no statistics
   */
  readonly statisticsS3Uri?: string;

  /**
   * The bucket holding the baseline files, when the URIs are tokens; the monitor role is granted read.
   *
   * @default - access derived from the URIs
   */
  readonly bucket?: s3.IBucket;
}

/**
 * Options of a baseline taken from a model package.
 */
export interface ModelPackageBaselineOptions {
  /**
   * The bucket holding the package's drift-check baselines (the build pipeline's artifact
   * bucket, often in the tooling account); the monitor role is granted read. Its bucket policy
   * and key must also admit this account.
   *
   * @default - no grant: the role must already be able to read the files
   */
  readonly bucket?: s3.IBucket;
}

/**
 * What a monitor compares the live data with.
 */
export class MonitoringBaseline {
  /** Baseline files at explicit S3 locations. */
  public static fromS3(options: S3BaselineOptions): MonitoringBaseline {
    return new MonitoringBaseline(options.constraintsS3Uri, options.statisticsS3Uri, undefined, options.bucket);
  }

  /**
   * The drift-check baselines registered with the deployed model package
   * (`DriftCheckBaselines` of `DescribeModelPackage`: `ModelDataQuality`, `ModelQuality`,
   * `Bias`, `Explainability`), read at deploy time. The package must carry the baselines of
   * every monitor that uses this; a missing one fails the deployment, naming the field.
   *
   * @param modelPackageArn the deployed version, e.g. the model-deployment stack's parameter
   */
  public static fromModelPackage(modelPackageArn: string, options: ModelPackageBaselineOptions = {}): MonitoringBaseline {
    return new MonitoringBaseline(undefined, undefined, modelPackageArn, options.bucket);
  }

  /** Constraints file, for an S3 baseline. */
  public readonly constraintsS3Uri?: string;
  /** Statistics file, for an S3 baseline. */
  public readonly statisticsS3Uri?: string;
  /** The model package, for a model-package baseline. */
  public readonly modelPackageArn?: string;
  /** The bucket of the baseline files. */
  public readonly bucket?: s3.IBucket;

  private constructor(constraints?: string, statistics?: string, modelPackageArn?: string, bucket?: s3.IBucket) {
    this.constraintsS3Uri = constraints;
    this.statisticsS3Uri = statistics;
    this.modelPackageArn = modelPackageArn;
    this.bucket = bucket;
  }
}
