import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ModelEndpoint } from '../deployment/model-endpoint';
import { ScheduledBatchTransform } from '../deployment/scheduled-batch-transform';

/**
 * Format of the data a batch-transform monitor reads.
 */
export class MonitoringDatasetFormat {
  /** CSV, with or without a header row. */
  public static csv(header: boolean = false): MonitoringDatasetFormat {
    return new MonitoringDatasetFormat({ Csv: { Header: header } });
  }

  /** JSON, or JSON Lines when `line`. */
  public static json(line: boolean = false): MonitoringDatasetFormat {
    return new MonitoringDatasetFormat({ Json: { Line: line } });
  }

  /** Parquet. */
  public static parquet(): MonitoringDatasetFormat {
    return new MonitoringDatasetFormat({ Parquet: true });
  }

  private constructor(private readonly format: { [key: string]: unknown }) {}

  /**
   * The CloudFormation `DatasetFormat`, in the L1's camel case.
   *
   * @internal
   */
  public _render(): any {
    const [key, value] = Object.entries(this.format)[0];
    const camel = key.charAt(0).toLowerCase() + key.slice(1);
    if (typeof value === 'object' && value !== null) {
      return { [camel]: Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v])) };
    }
    return { [camel]: value };
  }
}

/**
 * A real-time endpoint to monitor. `ModelEndpoint` satisfies it: pass its `endpointName`,
 * whether it captures data, and its capture bucket.
 */
export interface EndpointMonitoringTargetOptions {
  /** Name of the endpoint. */
  readonly endpointName: string;

  /**
   * Whether the endpoint captures requests and responses. Model Monitor reads nothing else, so
   * `ModelMonitor` refuses an endpoint that does not.
   */
  readonly dataCaptureEnabled: boolean;

  /**
   * Where the endpoint writes captured data (`s3://bucket/prefix`). The monitor role is granted
   * read access below it.
   *
   * @default - give `dataCaptureBucket` instead
   */
  readonly dataCaptureS3Uri?: string;

  /**
   * The bucket holding captured data; the monitor role is granted read access to it (and to its key).
   *
   * @default - access derived from `dataCaptureS3Uri`
   */
  readonly dataCaptureBucket?: s3.IBucket;

  /**
   * Key that encrypts captured data, when not the bucket's own.
   *
   * @default - the bucket's key, if any
   */
  readonly dataCaptureKey?: kms.IKey;
}

/**
 * A batch transform to monitor: the monitor reads the captured inputs and outputs it writes.
 */
export interface BatchTransformMonitoringTargetOptions {
  /** Where the batch transform's data capture lands (`s3://bucket/prefix`). */
  readonly dataCapturedDestinationS3Uri: string;

  /** Format of the captured data. */
  readonly datasetFormat: MonitoringDatasetFormat;

  /**
   * The bucket holding captured data; the monitor role is granted read access to it.
   *
   * @default - access derived from `dataCapturedDestinationS3Uri`
   */
  readonly dataCaptureBucket?: s3.IBucket;

  /**
   * Key that encrypts captured data, when not the bucket's own.
   *
   * @default - the bucket's key, if any
   */
  readonly dataCaptureKey?: kms.IKey;
}

/**
 * What a `ModelMonitor` watches: a real-time endpoint that captures data, or a batch transform.
 */
export class MonitoringTarget {
  /** A real-time endpoint; it must capture data. */
  public static endpoint(options: EndpointMonitoringTargetOptions): MonitoringTarget {
    return new MonitoringTarget(options.endpointName, options.dataCaptureEnabled, options.dataCaptureS3Uri, options.dataCaptureBucket, options.dataCaptureKey, undefined);
  }

  /**
   * A `ModelEndpoint` (or the endpoint of a `ModelDeploymentStack`): its name, its data capture
   * setting, its capture bucket and key.
   */
  public static fromModelEndpoint(endpoint: ModelEndpoint): MonitoringTarget {
    return new MonitoringTarget(endpoint.endpointName, endpoint.dataCaptureEnabled, endpoint.dataCaptureS3Uri,
      endpoint.dataCaptureBucket, endpoint.encryptionKey, undefined);
  }

  /**
   * A `ScheduledBatchTransform` that captures data: its capture location, bucket and key.
   *
   * @param datasetFormat the format of the transform's input, as Model Monitor reads it
   */
  public static fromScheduledBatchTransform(transform: ScheduledBatchTransform, datasetFormat: MonitoringDatasetFormat): MonitoringTarget {
    return new MonitoringTarget(undefined, transform.dataCaptureS3Uri !== undefined, transform.dataCaptureS3Uri,
      transform.outputBucket, transform.encryptionKey, datasetFormat);
  }

  /** A batch transform's captured data. */
  public static batchTransform(options: BatchTransformMonitoringTargetOptions): MonitoringTarget {
    return new MonitoringTarget(undefined, true, options.dataCapturedDestinationS3Uri, options.dataCaptureBucket, options.dataCaptureKey, options.datasetFormat);
  }

  /** The endpoint, for an endpoint target. */
  public readonly endpointName?: string;
  /** Format of a batch transform's captured data; undefined for an endpoint. */
  public readonly datasetFormat?: MonitoringDatasetFormat;
  /** Whether the target captures data. */
  public readonly dataCaptureEnabled: boolean;
  /** Where captured data lands. */
  public readonly dataCaptureS3Uri?: string;
  /** The bucket of captured data. */
  public readonly dataCaptureBucket?: s3.IBucket;
  /** Key of captured data. */
  public readonly dataCaptureKey?: kms.IKey;

  private constructor(endpointName: string | undefined, captureEnabled: boolean, captureUri: string | undefined,
    bucket: s3.IBucket | undefined, key: kms.IKey | undefined, format: MonitoringDatasetFormat | undefined) {
    this.endpointName = endpointName;
    this.dataCaptureEnabled = captureEnabled;
    this.dataCaptureS3Uri = captureUri;
    this.dataCaptureBucket = bucket;
    this.dataCaptureKey = key;
    this.datasetFormat = format;
  }
}
