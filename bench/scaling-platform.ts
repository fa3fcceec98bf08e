import { App } from 'aws-cdk-lib';
import { MlopsPlatform, MlopsProject, ProjectModelBuild, SourceRepository } from '../lib';

const IMAGE = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';

/**
 * A platform of `projects` full projects, as the scaling benchmark synthesizes it: each with a
 * build pipeline, a build repository, the registry, approval handler, promotion to staging and
 * production, and production monitoring with the drift loop.
 */
export function buildScalingPlatform(app: App, projects: number): void {
  const platform = new MlopsPlatform(app, 'Platform', {
    tooling: { account: '111111111111', region: 'eu-west-1' },
    staging: { account: '222222222222', region: 'eu-west-1' },
    production: [{ account: '333333333333', region: 'eu-west-1' }],
  });
  for (let i = 1; i <= projects; i++) {
    new MlopsProject(app, `Project${i}`, {
      platform,
      projectName: `project-${i}`,
      modelBuild: ProjectModelBuild.classic({ processingImageUri: IMAGE, trainingImageUri: IMAGE }),
      buildRepository: SourceRepository.codeConnection({
        connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab',
        owner: 'acme',
        repository: `project-${i}`,
      }),
      monitoring: {},
      smokeTest: { payload: '1,2,3' },
    });
  }
}
