import { Token } from 'aws-cdk-lib';
import { pythonJsonDumps } from './render';

// The model card a RegisterModel step writes into `CreateModelPackage`'s `ModelCard`
// (botocore sagemaker 2017-07-24: ModelPackageModelCard = { ModelCardContent: string of at most
// 100000 characters, ModelCardStatus: Draft | PendingReview | Approved | Archived }). The content
// follows the model card JSON schema in snake_case, as the SageMaker Python SDK's
// `sagemaker.model_card` classes write it (v2.257.6, model_card.py); the model package card
// has no `model_package_details` and its `model_overview` holds only `model_creator` and
// `model_artifact` (botocore's ModelPackageModelCard documentation).

/** The approval status of a model card (`ModelCardStatus`). */
export enum ModelCardStatus {
  /** `Draft`: a work in progress. */
  DRAFT = 'Draft',
  /** `PendingReview`. */
  PENDING_REVIEW = 'PendingReview',
  /** `Approved`. */
  APPROVED = 'Approved',
  /** `Archived`: no more updates of the content. */
  ARCHIVED = 'Archived',
}

/** A model card's risk rating (`risk_rating`). */
export enum ModelCardRiskRating {
  /** `High` */
  HIGH = 'High',
  /** `Medium` */
  MEDIUM = 'Medium',
  /** `Low` */
  LOW = 'Low',
  /** `Unknown` */
  UNKNOWN = 'Unknown',
}

/** Whether the training objective is maximized or minimized (`function`). */
export enum ModelCardObjectiveGoal {
  /** `Maximize` */
  MAXIMIZE = 'Maximize',
  /** `Minimize` */
  MINIMIZE = 'Minimize',
}

/** The type of an evaluation metric of a model card (`type`). */
export enum ModelCardMetricType {
  /** `number` */
  NUMBER = 'number',
  /** `string` */
  STRING = 'string',
  /** `boolean` */
  BOOLEAN = 'boolean',
}

/** `intended_uses` of a model card. */
export interface ModelCardIntendedUses {
  /**
   * The general purpose of the model (`purpose_of_model`).
   * @default - none
   */
  readonly purposeOfModel?: string;
  /**
   * The uses the model is meant for (`intended_uses`).
   * @default - none
   */
  readonly intendedUses?: string;
  /**
   * What affects the model's efficiency (`factors_affecting_model_efficiency`).
   * @default - none
   */
  readonly factorsAffectingModelEfficiency?: string;
  /**
   * The risk rating (`risk_rating`).
   * @default - none
   */
  readonly riskRating?: ModelCardRiskRating;
  /**
   * Why the model has its risk rating (`explanations_for_risk_rating`).
   * @default - none
   */
  readonly explanationsForRiskRating?: string;
}

/** `business_details` of a model card. */
export interface ModelCardBusinessDetails {
  /**
   * The business problem (`business_problem`).
   * @default - none
   */
  readonly businessProblem?: string;
  /**
   * Its stakeholders (`business_stakeholders`).
   * @default - none
   */
  readonly businessStakeholders?: string;
  /**
   * The line of business (`line_of_business`).
   * @default - none
   */
  readonly lineOfBusiness?: string;
}

/** `model_overview` of a model package's card: only these two fields. */
export interface ModelCardOverview {
  /**
   * Who created the model (`model_creator`).
   * @default - none
   */
  readonly modelCreator?: string;
  /**
   * Where the model artifacts are (`model_artifact`, at most 15); may hold expressions such as a
   * training step's `modelArtifacts`.
   * @default - none
   */
  readonly modelArtifact?: string[];
}

/** A hyperparameter of a model card's training details. */
export interface ModelCardHyperParameter {
  /** The name. */
  readonly name: string;
  /** The value, as a string. */
  readonly value: string;
}

/** A training metric of a model card (`training_metrics`). */
export interface ModelCardTrainingMetric {
  /** The name. */
  readonly name: string;
  /** The value; may hold an expression (`step.finalMetricValue('rmse').asNumber()`). */
  readonly value: number;
  /**
   * Notes.
   * @default - none
   */
  readonly notes?: string;
}

/** `training_job_details` of a model card. */
export interface ModelCardTrainingJobDetails {
  /**
   * The training job's ARN (`training_arn`), e.g. a training step's `trainingJobArn`.
   * @default - none
   */
  readonly trainingArn?: string;
  /**
   * The training data's S3 URIs (`training_datasets`, at most 15).
   * @default - none
   */
  readonly trainingDatasets?: string[];
  /**
   * The training images (`training_environment.container_image`, at most 15).
   * @default - none
   */
  readonly trainingImages?: string[];
  /**
   * Hyperparameters (`hyper_parameters`).
   * @default - none
   */
  readonly hyperParameters?: ModelCardHyperParameter[];
  /**
   * Training metrics (`training_metrics`, at most 50).
   * @default - none
   */
  readonly trainingMetrics?: ModelCardTrainingMetric[];
}

/** `objective_function` of a model card's training details. */
export interface ModelCardObjectiveFunction {
  /**
   * Whether the objective is maximized or minimized (`function.function`).
   * @default - none
   */
  readonly goal?: ModelCardObjectiveGoal;
  /**
   * The metric, e.g. `RMSE` (`function.facet`).
   * @default - none
   */
  readonly facet?: string;
  /**
   * A condition on it (`function.condition`).
   * @default - none
   */
  readonly condition?: string;
  /**
   * Notes (`notes`).
   * @default - none
   */
  readonly notes?: string;
}

/** `training_details` of a model card. */
export interface ModelCardTrainingDetails {
  /**
   * The objective function.
   * @default - none
   */
  readonly objectiveFunction?: ModelCardObjectiveFunction;
  /**
   * Observations (`training_observations`).
   * @default - none
   */
  readonly trainingObservations?: string;
  /**
   * The training job.
   * @default - none
   */
  readonly trainingJobDetails?: ModelCardTrainingJobDetails;
}

/** A metric of a model card's evaluation (`metric_data`). */
export interface ModelCardMetric {
  /** The name. */
  readonly name: string;
  /**
   * The type.
   * @default ModelCardMetricType.NUMBER
   */
  readonly type?: ModelCardMetricType;
  /**
   * A number value; may hold an expression, e.g. `evaluateStep.jsonGet(report, 'mse').asNumber()`.
   * Give exactly one of `value`, `stringValue` and `booleanValue`.
   * @default - none
   */
  readonly value?: number;
  /**
   * A string value (at most 63 characters).
   * @default - none
   */
  readonly stringValue?: string;
  /**
   * A boolean value.
   * @default - none
   */
  readonly booleanValue?: boolean;
  /**
   * Notes.
   * @default - none
   */
  readonly notes?: string;
}

/** A group of evaluation metrics (`metric_groups`). */
export interface ModelCardMetricGroup {
  /** The group's name. */
  readonly name: string;
  /** Its metrics. */
  readonly metricData: ModelCardMetric[];
}

/** An evaluation of the model (an entry of `evaluation_details`). */
export interface ModelCardEvaluation {
  /** The evaluation's name (1 to 63 characters). */
  readonly name: string;
  /**
   * Observations (`evaluation_observation`).
   * @default - none
   */
  readonly evaluationObservation?: string;
  /**
   * The evaluation job's ARN (`evaluation_job_arn`).
   * @default - none
   */
  readonly evaluationJobArn?: string;
  /**
   * The evaluation data's S3 URIs (`datasets`, at most 10).
   * @default - none
   */
  readonly datasets?: string[];
  /**
   * Free-form metadata (`metadata`).
   * @default - none
   */
  readonly metadata?: { [key: string]: string };
  /**
   * The metrics.
   * @default - none
   */
  readonly metricGroups?: ModelCardMetricGroup[];
}

/** `additional_information` of a model card. */
export interface ModelCardAdditionalInformation {
  /**
   * Ethical considerations (`ethical_considerations`).
   * @default - none
   */
  readonly ethicalConsiderations?: string;
  /**
   * Caveats and recommendations (`caveats_and_recommendations`).
   * @default - none
   */
  readonly caveatsAndRecommendations?: string;
  /**
   * Custom details (`custom_details`).
   * @default - none
   */
  readonly customDetails?: { [key: string]: string };
}

/** The typed content of a model package's card. */
export interface ModelCardContentProps {
  /**
   * Who created the model and where its artifacts are.
   * @default - none
   */
  readonly modelOverview?: ModelCardOverview;
  /**
   * Intended uses and risk rating.
   * @default - none
   */
  readonly intendedUses?: ModelCardIntendedUses;
  /**
   * Business details.
   * @default - none
   */
  readonly businessDetails?: ModelCardBusinessDetails;
  /**
   * Training details.
   * @default - none
   */
  readonly trainingDetails?: ModelCardTrainingDetails;
  /**
   * Evaluations and their metrics.
   * @default - none
   */
  readonly evaluationDetails?: ModelCardEvaluation[];
  /**
   * Additional information.
   * @default - none
   */
  readonly additionalInformation?: ModelCardAdditionalInformation;
}

const MAX_CONTENT = 100_000;

/**
 * The content of a model package's card (`ModelCardContent`): typed (`of`) or free-form
 * (`fromObject`, the model card JSON schema's snake_case fields).
 *
 * Written as the SageMaker Python SDK writes it (`json.dumps` of the content). Strings and
 * numbers may hold pipeline expressions (a training step's `trainingJobArn`, a `Std:JsonGet` of
 * an evaluation report as `asNumber()`); the content then renders as a `Std:Join` that builds the
 * JSON at run time. The SDK cannot do that (its `json.dumps` refuses pipeline variables), so such
 * content goes beyond what the SDK emits.
 */
export class ModelCardContent {
  /** Typed content. */
  public static of(props: ModelCardContentProps): ModelCardContent {
    const problems: string[] = [];
    const metric = (m: ModelCardMetric, where: string) => {
      const given = [m.value, m.stringValue, m.booleanValue].filter((v) => v !== undefined).length;
      if (given !== 1) problems.push(`metric '${m.name}' of ${where} needs exactly one of value, stringValue and booleanValue, not ${given}`);
      const type = m.type ?? (m.stringValue !== undefined ? ModelCardMetricType.STRING : m.booleanValue !== undefined ? ModelCardMetricType.BOOLEAN : ModelCardMetricType.NUMBER);
      return {
        name: m.name,
        type,
        value: m.value ?? m.stringValue ?? m.booleanValue,
        notes: m.notes,
      };
    };
    const content = {
      model_overview: props.modelOverview && {
        model_creator: props.modelOverview.modelCreator,
        model_artifact: props.modelOverview.modelArtifact,
      },
      intended_uses: props.intendedUses && {
        purpose_of_model: props.intendedUses.purposeOfModel,
        intended_uses: props.intendedUses.intendedUses,
        factors_affecting_model_efficiency: props.intendedUses.factorsAffectingModelEfficiency,
        risk_rating: props.intendedUses.riskRating,
        explanations_for_risk_rating: props.intendedUses.explanationsForRiskRating,
      },
      business_details: props.businessDetails && {
        business_problem: props.businessDetails.businessProblem,
        business_stakeholders: props.businessDetails.businessStakeholders,
        line_of_business: props.businessDetails.lineOfBusiness,
      },
      training_details: props.trainingDetails && {
        objective_function: props.trainingDetails.objectiveFunction && {
          function: {
            function: props.trainingDetails.objectiveFunction.goal,
            facet: props.trainingDetails.objectiveFunction.facet,
            condition: props.trainingDetails.objectiveFunction.condition,
          },
          notes: props.trainingDetails.objectiveFunction.notes,
        },
        training_observations: props.trainingDetails.trainingObservations,
        training_job_details: props.trainingDetails.trainingJobDetails && {
          training_arn: props.trainingDetails.trainingJobDetails.trainingArn,
          training_datasets: props.trainingDetails.trainingJobDetails.trainingDatasets,
          training_environment: props.trainingDetails.trainingJobDetails.trainingImages && {
            container_image: props.trainingDetails.trainingJobDetails.trainingImages,
          },
          hyper_parameters: props.trainingDetails.trainingJobDetails.hyperParameters?.map((h) => ({ name: h.name, value: h.value })),
          training_metrics: props.trainingDetails.trainingJobDetails.trainingMetrics?.map((m) => ({ name: m.name, notes: m.notes, value: m.value })),
        },
      },
      evaluation_details: props.evaluationDetails?.map((e) => ({
        name: e.name,
        evaluation_observation: e.evaluationObservation,
        evaluation_job_arn: e.evaluationJobArn,
        datasets: e.datasets,
        metadata: e.metadata,
        metric_groups: e.metricGroups?.map((g) => ({ name: g.name, metric_data: g.metricData.map((m) => metric(m, `evaluation '${e.name}'`)) })),
      })),
      additional_information: props.additionalInformation && {
        ethical_considerations: props.additionalInformation.ethicalConsiderations,
        caveats_and_recommendations: props.additionalInformation.caveatsAndRecommendations,
        custom_details: props.additionalInformation.customDetails,
      },
    };
    const lists: Array<[string, any[] | undefined, number]> = [
      ['modelOverview.modelArtifact', props.modelOverview?.modelArtifact, 15],
      ['trainingJobDetails.trainingDatasets', props.trainingDetails?.trainingJobDetails?.trainingDatasets, 15],
      ['trainingJobDetails.trainingImages', props.trainingDetails?.trainingJobDetails?.trainingImages, 15],
      ['trainingJobDetails.trainingMetrics', props.trainingDetails?.trainingJobDetails?.trainingMetrics, 50],
      ['trainingJobDetails.hyperParameters', props.trainingDetails?.trainingJobDetails?.hyperParameters, 100],
      ...(props.evaluationDetails ?? []).map((e): [string, any[] | undefined, number] => [`evaluation '${e.name}' datasets`, e.datasets, 10]),
    ];
    for (const [name, list, max] of lists) {
      if (list && list.length > max) problems.push(`${name} has ${list.length} entries, more than the model card schema's ${max}`);
    }
    for (const e of props.evaluationDetails ?? []) {
      if (!Token.isUnresolved(e.name) && (e.name.length < 1 || e.name.length > 63)) problems.push(`evaluation name '${e.name}' must be 1 to 63 characters`);
    }
    if (problems.length > 0) throw new Error(`ModelCardContent: ${problems.join('; ')}`);
    return new ModelCardContent(prune(content));
  }

  /**
   * Free-form content in the model card JSON schema (snake_case, e.g.
   * `{ intended_uses: { risk_rating: 'Low' } }`), for fields `of` does not type. Strings and
   * numbers may hold pipeline expressions. Typed `any` because jsii has no JSON type.
   */
  public static fromObject(content: { [key: string]: any }): ModelCardContent {
    if ('model_package_details' in content) {
      throw new Error('ModelCardContent: a model package\'s card has no model_package_details (the package is its own details); remove it');
    }
    const extra = Object.keys(content.model_overview ?? {}).filter((k) => k !== 'model_creator' && k !== 'model_artifact');
    if (extra.length > 0) {
      throw new Error(`ModelCardContent: a model package's card's model_overview holds only model_creator and model_artifact, not ${extra.join(', ')}`);
    }
    return new ModelCardContent(content);
  }

  private constructor(private readonly content: any) {}

  /**
   * The content as `CreateModelPackage` takes it: `json.dumps` of the content. When it holds
   * pipeline expressions, the string carries their tokens and renders as a `Std:Join`.
   */
  public toJsonString(): string {
    const text = pythonJsonDumps(this.content);
    if (!Token.isUnresolved(text) && text.length > MAX_CONTENT) {
      throw new Error(`ModelCardContent: the content is ${text.length} characters, more than CreateModelPackage's ${MAX_CONTENT}`);
    }
    return text;
  }
}

/**
 * A model package's card (`CreateModelPackage`'s `ModelCard`).
 */
export interface ModelPackageCard {
  /** The content. */
  readonly content: ModelCardContent;
  /**
   * The card's approval status. The card's status is the organization's review of the card, not
   * the package's approval status.
   * @default ModelCardStatus.DRAFT
   */
  readonly status?: ModelCardStatus;
}

/** The card's JSON in a RegisterModel step, as the SDK writes it (status first). @internal */
export function modelCardRequest(card: ModelPackageCard): any {
  return { ModelCardStatus: card.status ?? ModelCardStatus.DRAFT, ModelCardContent: card.content.toJsonString() };
}

function prune(value: any): any {
  if (Array.isArray(value)) return value.map(prune);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const p = prune(v);
      if (p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0) continue;
      out[k] = p;
    }
    return out;
  }
  return value;
}
