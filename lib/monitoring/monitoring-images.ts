import { CfnMapping, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The AWS accounts that publish SageMaker's first-party monitoring images, per region, as the
 * SageMaker Python SDK resolves them: `sagemaker-core/src/sagemaker/core/image_uri_config/`
 * `model-monitor.json` (the analyzer) and `clarify.json` (`processing` 1.0), aws/sagemaker-python-sdk
 * v3.20.0, commit a24812666d258d9d19c9a82d0c9385ca0bd3ba01 (2026-08-21). The images are
 * `<account>.dkr.ecr.<region>.<url suffix>/<repository>`. In any other region there is no
 * first-party image: synthesis fails naming the supported regions (a `Fn::FindInMap` over a
 * region the table lacks would fail only at deploy time).
 */
const MODEL_MONITOR_ACCOUNTS: { [region: string]: string } = {
  'af-south-1': '875698925577',
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-northeast-3': '990339680094',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ap-southeast-3': '669540362728',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-central-2': '590183933784',
  'eu-north-1': '895015795356',
  'eu-south-1': '933208885752',
  'eu-south-2': '437450045455',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'il-central-1': '843974653677',
  'me-central-1': '588750061953',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-isof-east-1': '853188333426',
  'us-isof-south-1': '467912361380',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
};

const CLARIFY_ACCOUNTS: { [region: string]: string } = {
  'af-south-1': '811711786498',
  'ap-east-1': '098760798382',
  'ap-northeast-1': '377024640650',
  'ap-northeast-2': '263625296855',
  'ap-northeast-3': '912233562940',
  'ap-south-1': '452307495513',
  'ap-southeast-1': '834264404009',
  'ap-southeast-2': '007051062584',
  'ap-southeast-3': '705930551576',
  'ca-central-1': '675030665977',
  'cn-north-1': '122526803553',
  'cn-northwest-1': '122578899357',
  'eu-central-1': '017069133835',
  'eu-central-2': '730335477804',
  'eu-north-1': '763603941244',
  'eu-south-1': '638885417683',
  'eu-west-1': '131013547314',
  'eu-west-2': '440796970383',
  'eu-west-3': '341593696636',
  'me-south-1': '835444307964',
  'sa-east-1': '520018980103',
  'us-east-1': '205585389593',
  'us-east-2': '211330385671',
  'us-gov-west-1': '598674086554',
  'us-isof-east-1': '579539705040',
  'us-isof-south-1': '411392592546',
  'us-west-1': '740489534195',
  'us-west-2': '306415355426',
};


/** Which first-party image a monitor runs. */
export enum MonitoringImageKind {
  /** `sagemaker-model-monitor-analyzer`: data quality and model quality. */
  MODEL_MONITOR = 'MODEL_MONITOR',
  /** `sagemaker-clarify-processing:1.0`: model bias and model explainability. */
  CLARIFY = 'CLARIFY',
}

const IMAGES = {
  MODEL_MONITOR: { accounts: MODEL_MONITOR_ACCOUNTS, repository: 'sagemaker-model-monitor-analyzer', mapping: 'SageMakerModelMonitorImageAccounts' },
  CLARIFY: { accounts: CLARIFY_ACCOUNTS, repository: 'sagemaker-clarify-processing:1.0', mapping: 'SageMakerClarifyImageAccounts' },
};

/** The regions that have the first-party image of `kind`, sorted. */
export function monitoringImageRegions(kind: MonitoringImageKind): string[] {
  return Object.keys(IMAGES[kind].accounts).sort();
}

/**
 * The first-party image URI for the stack's region. A region-agnostic stack gets a
 * `Fn::FindInMap` over the table, resolved by CloudFormation at deploy time.
 * Returns undefined for a known region that has no image in the table.
 */
export function monitoringImageUri(scope: Construct, kind: MonitoringImageKind): string | undefined {
  const stack = Stack.of(scope);
  const image = IMAGES[kind];
  let account: string;
  if (Token.isUnresolved(stack.region)) {
    const existing = stack.node.tryFindChild(image.mapping) as CfnMapping | undefined;
    const mapping = existing ?? new CfnMapping(stack, image.mapping, {
      mapping: Object.fromEntries(Object.entries(image.accounts).map(([region, acct]) => [region, { account: acct }])),
    });
    account = mapping.findInMap(stack.region, 'account');
  } else {
    const known = image.accounts[stack.region];
    if (!known) return undefined;
    account = known;
  }
  return `${account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${image.repository}`;
}
