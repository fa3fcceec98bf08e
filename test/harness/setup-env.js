// Deprecation warnings of aws-cdk-lib properties read by cdk-nag's rules are noise in test output.
process.env.JSII_DEPRECATED = 'quiet';
// Handlers must never reach a real AWS endpoint from a test.
process.env.AWS_ACCESS_KEY_ID = process.env.AWS_ACCESS_KEY_ID || 'testing';
process.env.AWS_SECRET_ACCESS_KEY = process.env.AWS_SECRET_ACCESS_KEY || 'testing';
process.env.AWS_REGION = process.env.AWS_REGION || 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// The SDK warns once per process that it will need Node 22 from 2027: noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// aws-cdk-lib's built-in template validation (its "CloudFormation Validate" plugin, a WASM rule
// engine) takes about half of every synthesis. The compliance gate runs it over every app,
// example and construct test (test/compliance/synthesize-app.ts, with its warnings as findings)
// beside cfn-lint; the other tests synthesize without it ("Set CDK_VALIDATION=false in your
// environment", aws-cdk-lib App builtinCloudFormationValidation).
process.env.CDK_VALIDATION = 'false';
