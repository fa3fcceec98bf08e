import * as fs from 'fs';
import { globsIntersect, HOLE, show } from '../glob';
import { DeploymentModel } from '../model';
import { Rule, RuleContext, some } from '../rule';
import { referencedIds } from '../values';

/** Where a scheduled job of a resource type reads an S3 object by default. */
const READS: Record<string, string[][]> = {
  'AWS::SageMaker::DataQualityJobDefinition': [
    ['DataQualityBaselineConfig', 'ConstraintsResource', 'S3Uri'],
    ['DataQualityBaselineConfig', 'StatisticsResource', 'S3Uri'],
  ],
  'AWS::SageMaker::ModelQualityJobDefinition': [
    ['ModelQualityBaselineConfig', 'ConstraintsResource', 'S3Uri'],
  ],
  'AWS::SageMaker::ModelBiasJobDefinition': [
    ['ModelBiasBaselineConfig', 'ConstraintsResource', 'S3Uri'],
    ['ModelBiasAppSpecification', 'ConfigUri'],
  ],
  'AWS::SageMaker::ModelExplainabilityJobDefinition': [
    ['ModelExplainabilityBaselineConfig', 'ConstraintsResource', 'S3Uri'],
    ['ModelExplainabilityAppSpecification', 'ConfigUri'],
  ],
  'AWS::SageMaker::MonitoringSchedule': [
    ['MonitoringScheduleConfig', 'MonitoringJobDefinition', 'BaselineConfig', 'ConstraintsResource', 'S3Uri'],
    ['MonitoringScheduleConfig', 'MonitoringJobDefinition', 'BaselineConfig', 'StatisticsResource', 'S3Uri'],
  ],
};

/** A value of a pipeline definition as a string: literals as they are, `Std:Join` joined, parameters by their defaults, anything else HOLE. */
function renderPipelineValue(v: unknown, defaults: Map<string, unknown>): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, any>;
    if (typeof o.Get === 'string') {
      const m = /^Parameters\.(.+)$/.exec(o.Get);
      const def = m ? defaults.get(m[1]) : undefined;
      return typeof def === 'string' || typeof def === 'number' ? String(def) : HOLE;
    }
    if (o['Std:Join'] && typeof o['Std:Join'] === 'object') {
      const join = o['Std:Join'];
      return (Array.isArray(join.Values) ? join.Values : []).map((x: unknown) => renderPipelineValue(x, defaults)).join(typeof join.On === 'string' ? join.On : '');
    }
  }
  return HOLE;
}

/** The S3 locations a SageMaker pipeline definition writes: processing and check outputs, training, tuning and transform outputs. */
function pipelineWrites(definition: any): string[] {
  const defaults = new Map<string, unknown>();
  for (const p of Array.isArray(definition?.Parameters) ? definition.Parameters : []) {
    if (typeof p?.Name === 'string') defaults.set(p.Name, p.DefaultValue);
  }
  const out: string[] = [];
  const visitSteps = (steps: unknown) => {
    for (const step of Array.isArray(steps) ? steps : []) {
      const args = (step as any)?.Arguments ?? {};
      for (const o of Array.isArray(args.ProcessingOutputConfig?.Outputs) ? args.ProcessingOutputConfig.Outputs : []) {
        if (o?.S3Output?.S3Uri !== undefined) out.push(renderPipelineValue(o.S3Output.S3Uri, defaults));
      }
      if (args.OutputDataConfig?.S3OutputPath !== undefined) out.push(renderPipelineValue(args.OutputDataConfig.S3OutputPath, defaults));
      if (args.TransformOutput?.S3OutputPath !== undefined) out.push(renderPipelineValue(args.TransformOutput.S3OutputPath, defaults));
      for (const def of [args.TrainingJobDefinition, ...(Array.isArray(args.TrainingJobDefinitions) ? args.TrainingJobDefinitions : [])]) {
        if (def?.OutputDataConfig?.S3OutputPath !== undefined) out.push(renderPipelineValue(def.OutputDataConfig.S3OutputPath, defaults));
      }
      visitSteps(args.IfSteps);
      visitSteps(args.ElseSteps);
    }
  };
  visitSteps(definition?.Steps);
  return out;
}

/** Every S3 location the SageMaker pipelines of the model write, with the pipeline that writes it. */
function writesOfModel(model: DeploymentModel, ctx: RuleContext): Array<{ readonly uri: string; readonly by: string }> {
  const out: Array<{ uri: string; by: string }> = [];
  for (const t of model.templates) {
    for (const [id, r] of Object.entries(t.resources)) {
      if (r.Type !== 'AWS::SageMaker::Pipeline') continue;
      ctx.coverage.see(t, id);
      const pd = r.Properties?.PipelineDefinition ?? {};
      for (const d of t.deployments) {
        const ev = t.evaluator(d, 'pattern');
        let definition: unknown;
        try {
          if (pd.PipelineDefinitionBody !== undefined) {
            definition = JSON.parse(ev.evaluate(pd.PipelineDefinitionBody));
          } else if (pd.PipelineDefinitionS3Location) {
            const file = model.assetFile(t, d, ev.evaluate(pd.PipelineDefinitionS3Location.Key), undefined);
            definition = file ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
          }
        } catch {
          definition = undefined;
        }
        if (definition === undefined) {
          model.notes.push(`${t.displayName} ${id}: pipeline definition not readable at synth; what it writes is not known`);
          // what it writes is unknown: it may write anywhere
          out.push({ uri: HOLE, by: `${id} of ${t.describe()}` });
          continue;
        }
        for (const uri of pipelineWrites(definition)) out.push({ uri, by: `${id} of ${t.describe()}` });
      }
    }
  }
  return out;
}

function at(value: unknown, path: string[]): unknown {
  let v = value as any;
  for (const p of path) v = v?.[p];
  return v;
}

/**
 * Every S3 object a scheduled job reads by default is written by something the platform runs, or
 * given by the user: the baseline constraints and statistics of Model Monitor job definitions
 * (SageMaker API Reference, MonitoringBaselineConfig: "the baseline constraint file in Amazon S3
 * that the current monitoring job should be validated against"), and the analysis config of bias
 * and explainability monitors, must be a template parameter (given at deploy) or lie under an S3
 * location a SageMaker pipeline of the app writes (processing and check-step outputs, training,
 * tuning and transform outputs; execution ids and other runtime values match anything, parameters
 * take their defaults). A pipeline definition the check cannot read counts as writing anywhere.
 * When the user provides the object, acknowledge the finding on the resource with that reason.
 */
export const scheduledJobInputsWritten: Rule = {
  id: 'Deployability-ScheduledJobInputsWritten',
  summary: 'S3 objects a scheduled job reads by default are written by a pipeline of the app or given as parameters',
  documentationUrl: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_MonitoringBaselineConfig.html',
  check(ctx: RuleContext) {
    let writes: Array<{ uri: string; by: string }> | undefined;
    for (const t of ctx.model.templates) {
      const parameters = new Set(Object.keys(t.template.Parameters ?? {}));
      for (const [id, r] of Object.entries(t.resources)) {
        const reads = READS[r.Type];
        if (!reads) continue;
        ctx.coverage.see(t, id);
        writes ??= writesOfModel(ctx.model, ctx);
        for (const path of reads) {
          const value = at(r.Properties, path);
          if (value === undefined) continue;
          if ([...referencedIds(value)].some((x) => parameters.has(x))) continue; // given at deploy
          for (const d of t.deployments) {
            const uri = t.evaluator(d, 'pattern').evaluate(value);
            if (uri === HOLE) continue;
            const written = writes.some((w) => {
              const base = w.uri.replace(/\/+$/, '');
              return globsIntersect(uri, base) || globsIntersect(uri, `${base}/*`);
            });
            if (written) continue;
            // writes to the same bucket first: they are the ones the reader meant
            const bucket = /^s3:\/\/[^/]+\//.exec(uri)?.[0];
            const known = writes.filter((w) => w.uri !== HOLE).map((w) => show(w.uri))
              .sort((a, b) => Number(!!bucket && !a.startsWith(bucket)) - Number(!!bucket && !b.startsWith(bucket)));
            ctx.report({
              template: t,
              logicalId: id,
              location: `Properties/${path.join('/')}`,
              message: `${id} (${r.Type}) of ${t.describe(d)} reads ${show(uri)} on every scheduled run, but no SageMaker pipeline of the app writes there${known.length > 0 ? ` (they write ${some(known, 3)})` : ' (the app has no SageMaker pipeline)'} and it is not a template parameter: the scheduled jobs have nothing to read`,
              fix: `write it from the build pipeline (e.g. a QualityCheckStep whose output is ${show(uri).replace(/\/[^/]*$/, '/')}), take it from a template parameter, or, when you upload it yourself, acknowledge Deployability::${scheduledJobInputsWritten.id} on the resource saying so`,
            });
          }
        }
      }
    }
  },
};
