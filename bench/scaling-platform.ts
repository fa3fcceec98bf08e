import { App } from 'aws-cdk-lib';
import { MlopsPlatform, MlopsProject } from '../lib';

/** A platform of `projects` identical projects, as the scaling benchmark synthesizes it. */
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
      smokeTest: { payload: '1,2,3' },
    });
  }
}
