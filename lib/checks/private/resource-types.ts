import { HOLE } from './glob';

/** The parts of an ARN the environment provides; HOLE (or a marker) when unknown. */
export interface ArnEnv {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * What the check knows of a CloudFormation resource type: the property that names it, what `Ref`
 * and `Fn::GetAtt` return (from the type's "Return values" in the CloudFormation template
 * reference, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html),
 * its ARN, and whether CloudFormation names an unnamed instance `<stack name>-<logical id>-<random>`.
 */
export interface ResourceTypeInfo {
  /** The property holding the physical name. */
  readonly nameProperty?: string;
  /** What `Ref` returns. */
  readonly ref: 'name' | 'arn' | 'url' | 'other';
  /** The resource's ARN from its (possibly unknown) name and properties. */
  readonly arn?: (name: string, env: ArnEnv, props: Record<string, unknown>, evaluate: (v: unknown) => string) => string;
  /** `Fn::GetAtt` attributes that return the ARN; `Arn` when not given. */
  readonly arnAttributes?: string[];
  /** `Fn::GetAtt` attributes that return the name. */
  readonly nameAttributes?: string[];
  /**
   * For a resource without its name property, CloudFormation generates a name that starts with
   * the stack name (`<stack name>-<logical id>-<random>`, parts cut when too long): the
   * CloudFormation User Guide's "Name type" page,
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html.
   */
  readonly generatedFromStackName?: boolean;
  /** The ARN's service and the text of its resource part before the name, for rule NoGeneratedNamePatterns. */
  readonly arnService?: string;
  /** The name part of an ARN's resource part (after `arn:partition:service:region:account:`), if it is of this type. */
  readonly namePart?: (resource: string) => string | undefined;
}

const iamPath = (props: Record<string, unknown>, evaluate: (v: unknown) => string): string => {
  const p = props.Path === undefined ? '/' : evaluate(props.Path);
  return p.endsWith('/') ? p : `${p}/`;
};

/** The last `/`-separated segment after a prefix such as `role/`. */
const afterPrefix = (prefix: string, separator: string | undefined = undefined) => (resource: string): string | undefined => {
  if (!resource.startsWith(prefix)) return undefined;
  const rest = resource.slice(prefix.length);
  if (separator === '/') {
    const segments = rest.split('/');
    return segments[segments.length - 1];
  }
  if (separator) {
    return rest.split(separator)[0];
  }
  return rest;
};

export const RESOURCE_TYPES: Record<string, ResourceTypeInfo> = {
  'AWS::IAM::Role': {
    nameProperty: 'RoleName', ref: 'name', generatedFromStackName: true, arnService: 'iam',
    arn: (name, env, props, evaluate) => `arn:${env.partition}:iam::${env.account}:role${iamPath(props, evaluate)}${name}`,
    namePart: afterPrefix('role/', '/'),
  },
  'AWS::IAM::User': {
    nameProperty: 'UserName', ref: 'name', generatedFromStackName: true, arnService: 'iam',
    arn: (name, env, props, evaluate) => `arn:${env.partition}:iam::${env.account}:user${iamPath(props, evaluate)}${name}`,
    namePart: afterPrefix('user/', '/'),
  },
  'AWS::IAM::Group': {
    nameProperty: 'GroupName', ref: 'name', generatedFromStackName: true, arnService: 'iam',
    arn: (name, env, props, evaluate) => `arn:${env.partition}:iam::${env.account}:group${iamPath(props, evaluate)}${name}`,
    namePart: afterPrefix('group/', '/'),
  },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName', ref: 'arn', arnAttributes: ['PolicyArn'], generatedFromStackName: true, arnService: 'iam',
    arn: (name, env, props, evaluate) => `arn:${env.partition}:iam::${env.account}:policy${iamPath(props, evaluate)}${name}`,
    namePart: afterPrefix('policy/', '/'),
  },
  'AWS::IAM::InstanceProfile': {
    nameProperty: 'InstanceProfileName', ref: 'name', generatedFromStackName: true, arnService: 'iam',
    arn: (name, env, props, evaluate) => `arn:${env.partition}:iam::${env.account}:instance-profile${iamPath(props, evaluate)}${name}`,
    namePart: afterPrefix('instance-profile/', '/'),
  },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName', ref: 'name', generatedFromStackName: true, arnService: 's3',
    arn: (name, env) => `arn:${env.partition}:s3:::${name}`,
    namePart: (resource) => resource.split('/')[0],
  },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName', ref: 'url', nameAttributes: ['QueueName'], generatedFromStackName: true, arnService: 'sqs',
    arn: (name, env) => `arn:${env.partition}:sqs:${env.region}:${env.account}:${name}`,
    namePart: (resource) => resource,
  },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName', ref: 'arn', arnAttributes: ['TopicArn'], nameAttributes: ['TopicName'], generatedFromStackName: true, arnService: 'sns',
    arn: (name, env) => `arn:${env.partition}:sns:${env.region}:${env.account}:${name}`,
    namePart: (resource) => resource.split(':')[0],
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName', ref: 'name', generatedFromStackName: true, arnService: 'logs',
    arn: (name, env) => `arn:${env.partition}:logs:${env.region}:${env.account}:log-group:${name}:*`,
    namePart: afterPrefix('log-group:', ':'),
  },
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName', ref: 'name', generatedFromStackName: true, arnService: 'lambda',
    arn: (name, env) => `arn:${env.partition}:lambda:${env.region}:${env.account}:function:${name}`,
    namePart: afterPrefix('function:', ':'),
  },
  'AWS::Events::Rule': {
    nameProperty: 'Name', ref: 'other', generatedFromStackName: true, arnService: 'events',
    arn: (name, env, props, evaluate) => {
      const bus = props.EventBusName === undefined ? 'default' : evaluate(props.EventBusName);
      return `arn:${env.partition}:events:${env.region}:${env.account}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
    },
    namePart: afterPrefix('rule/', '/'),
  },
  'AWS::Events::EventBus': {
    nameProperty: 'Name', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:events:${env.region}:${env.account}:event-bus/${name}`,
  },
  'AWS::CloudWatch::Alarm': {
    nameProperty: 'AlarmName', ref: 'name', generatedFromStackName: true, arnService: 'cloudwatch',
    arn: (name, env) => `arn:${env.partition}:cloudwatch:${env.region}:${env.account}:alarm:${name}`,
    namePart: afterPrefix('alarm:'),
  },
  'AWS::Scheduler::Schedule': {
    nameProperty: 'Name', ref: 'name', generatedFromStackName: true, arnService: 'scheduler',
    arn: (name, env, props, evaluate) => {
      const group = props.GroupName === undefined ? 'default' : evaluate(props.GroupName);
      return `arn:${env.partition}:scheduler:${env.region}:${env.account}:schedule/${group}/${name}`;
    },
    namePart: afterPrefix('schedule/', '/'),
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName', ref: 'name', generatedFromStackName: true, arnService: 'dynamodb',
    arn: (name, env) => `arn:${env.partition}:dynamodb:${env.region}:${env.account}:table/${name}`,
    namePart: afterPrefix('table/', undefined),
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName', ref: 'arn', generatedFromStackName: true, arnService: 'states',
    arn: (name, env) => `arn:${env.partition}:states:${env.region}:${env.account}:stateMachine:${name}`,
    namePart: afterPrefix('stateMachine:', ':'),
  },
  'AWS::KMS::Key': {
    ref: 'other',
    arn: (_name, env) => `arn:${env.partition}:kms:${env.region}:${env.account}:key/${HOLE}`,
  },
  'AWS::KMS::Alias': {
    nameProperty: 'AliasName', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:kms:${env.region}:${env.account}:${name}`,
  },
  'AWS::SageMaker::ModelPackageGroup': {
    nameProperty: 'ModelPackageGroupName', ref: 'arn', arnAttributes: ['ModelPackageGroupArn'],
    arn: (name, env) => `arn:${env.partition}:sagemaker:${env.region}:${env.account}:model-package-group/${name}`,
  },
  'AWS::SageMaker::Pipeline': {
    nameProperty: 'PipelineName', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:sagemaker:${env.region}:${env.account}:pipeline/${name}`,
  },
  'AWS::SageMaker::Endpoint': {
    nameProperty: 'EndpointName', ref: 'arn',
    arn: (name, env) => `arn:${env.partition}:sagemaker:${env.region}:${env.account}:endpoint/${name}`,
  },
  'AWS::CodePipeline::Pipeline': {
    nameProperty: 'Name', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:codepipeline:${env.region}:${env.account}:${name}`,
  },
  'AWS::CodeBuild::Project': {
    nameProperty: 'Name', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:codebuild:${env.region}:${env.account}:project/${name}`,
  },
  'AWS::SSM::Parameter': {
    nameProperty: 'Name', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:ssm:${env.region}:${env.account}:parameter/${name.replace(/^\//, '')}`,
  },
  'AWS::ECR::Repository': {
    nameProperty: 'RepositoryName', ref: 'name',
    arn: (name, env) => `arn:${env.partition}:ecr:${env.region}:${env.account}:repository/${name}`,
  },
};

/** The IAM resource types whose presence needs `CAPABILITY_IAM` (CreateStack's `Capabilities`). */
export const IAM_CAPABILITY_TYPES: Record<string, string | undefined> = {
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::UserToGroupAddition': undefined,
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
};
