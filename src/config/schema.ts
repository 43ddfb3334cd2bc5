import { z } from 'zod';
import { RULE_SOURCE_NAMES } from '../sources/rule-sources.ts';
import { alertSchema, channelSchema } from './delivery-schema.ts';

/**
 * Decimal amounts (prices, costs, FX rates) are kept as decimal strings so money never passes
 * through a JS float. YAML numbers are accepted and turned into their shortest decimal spelling.
 */
export const decimalString = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine((v) => /^-?\d+(\.\d+)?$/.test(v), { message: 'expected a decimal number such as 1.50' });

const fraction = z.number().min(0).max(1);

/** Hard constraints a feature may declare (features[].requires): each rules out every third-party API. */
export const REQUIREMENTS = ['data_residency', 'no_third_party'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];
const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v), { message: 'expected a date YYYY-MM-DD' });
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD');
const featureName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/, 'expected a feature name like support-chat or support-chat.guardrail');

/**
 * One attribution rule: every key given must match (values may use `*` as a wildcard).
 * A fact matches a feature when any of the feature's rules matches; the first feature in config
 * order wins when several do.
 */
export const ruleSchema = z
  .object({
    source: z.enum(RULE_SOURCE_NAMES),
    project_id: z.string().optional(),
    api_key_id: z.string().optional(),
    workspace_id: z.string().optional(),
    model: z.string().optional(),
    service_tier: z.string().optional(),
    tag: z.string().optional().describe('value of the cost-allocation tag (AWS, FOCUS Tags)'),
    usage_type: z.string().optional(),
    resource_id: z.string().optional(),
    deployment: z.string().optional(),
  })
  .strict();
export type Rule = z.infer<typeof ruleSchema>;

/**
 * The latency a feature promises (COST-MODEL §11): capacity is what a replica sustains while the
 * deployment's hourly p95s stay within these. At least one of the two; seconds, > 0.
 */
export const latencySloSchema = z
  .object({
    ttft_p95_seconds: z.number().positive().max(3600).optional().describe('p95 time to first token, seconds'),
    e2e_p95_seconds: z.number().positive().max(86_400).optional().describe('p95 end-to-end request latency, seconds'),
  })
  .strict()
  .refine((s) => s.ttft_p95_seconds !== undefined || s.e2e_p95_seconds !== undefined, { message: 'set ttft_p95_seconds and/or e2e_p95_seconds' });
export type LatencySlo = z.infer<typeof latencySloSchema>;

export const featureSchema = z
  .object({
    name: featureName,
    description: z.string().optional(),
    architecture: z.enum(['api', 'self_hosted']),
    /** Runs through a batch API (or is batchable): the API counterfactual gets the batch discount. */
    batch: z.boolean().default(false),
    rules: z.array(ruleSchema).default([]),
    counterfactual: z
      .object({
        /** For API features: the throughput profile the feature would run on if self-hosted. */
        profile: z.string().optional(),
        /** For self-hosted features: the comparable API model (provider + model id in the price catalog). */
        api_provider: z.string().optional(),
        api_model: z.string().optional(),
        /**
         * The model to compare against once the comparator (api_model, or for API features the
         * model they run on) is retired or retiring (see `models.retirements`): on api_provider (API
         * features: the provider they run on) unless `successor_provider` says otherwise. Must be in
         * the price catalog.
         */
        successor: z.string().min(1).optional(),
        successor_provider: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    latency_slo: latencySloSchema.optional(),
    /**
     * Hard constraints (data_residency, no_third_party): the feature may not use a third-party API,
     * so the recommendation never sends it there and prices the constraint instead.
     */
    requires: z.array(z.enum(REQUIREMENTS)).default([]),
  })
  .strict();
export type FeatureConfig = z.infer<typeof featureSchema>;

export const gpuSchema = z
  .object({
    memory_gib: z.number().positive(),
    hourly_price: decimalString.describe('price of one GPU-hour in the reporting currency'),
  })
  .strict();

export const profileSchema = z
  .object({
    model_class: z.string(),
    gpu: z.string(),
    gpus_per_replica: z.number().int().positive().default(1),
    tokens_per_second: z.number().positive().describe('sustained throughput of one replica, all streams'),
    max_utilization: z.number().gt(0).max(1).default(0.7),
    min_replicas: z.number().int().min(0).default(1),
    provisioning: z.enum(['static', 'autoscale']).default('static'),
    model_shape: z
      .object({
        layers: z.number().int().positive(),
        kv_heads: z.number().int().positive(),
        head_dim: z.number().int().positive(),
        dtype_bytes: z.number().positive().default(2),
        weights_gib: z.number().nonnegative(),
        context_tokens: z.number().int().positive(),
        usable_memory_fraction: fraction.default(0.9),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Profile = z.infer<typeof profileSchema>;

export const deploymentSchema = z
  .object({
    name: z.string().min(1),
    feature: featureName.optional(),
    profile: z.string(),
    gpus: z.number().int().positive(),
    replicas: z.number().int().positive().default(1),
    /** Label values identifying this deployment in Prometheus and in the cloud bill. */
    match: z
      .object({
        prometheus_deployment: z.string().optional(),
        hostnames: z.array(z.string()).default([]),
        aws_tag: z.string().optional(),
        usage_type: z.string().optional(),
        resource_id: z.string().optional(),
      })
      .strict()
      .default({ hostnames: [] }),
  })
  .strict();
export type DeploymentConfig = z.infer<typeof deploymentSchema>;

const lookback = z.number().int().min(0).max(62);

/** A Kubernetes label key as written on the objects (`karpenter.sh/nodepool`, `app.kubernetes.io/name`). */
const k8sLabelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'expected a Kubernetes label key such as app.kubernetes.io/name or karpenter.sh/nodepool');

/**
 * OpenCost (`breakeven ingest opencost`, base URL from OPENCOST_URL): GPU-hour SHARES per
 * deployment on shared GPU nodes; the money stays the bill's. See docs/opencost.md.
 */
export const opencostSourceSchema = z
  .object({
    enabled: z.boolean().default(false),
    lookback_days: lookback.default(2),
    /** Pod label whose value names the deployment (aggregate=…,label:<this>). */
    deployment_label: k8sLabelKey.default('app.kubernetes.io/name'),
    /** Node label naming the node pool, as OpenCost reports it (add it to ALLOCATION_NODE_LABELS_INCLUDE_LIST). */
    node_pool_label: k8sLabelKey.default('karpenter.sh/nodepool'),
    /** Cost-allocation tag on the bill (Cost Explorer tag key / FOCUS Tags key) whose values are the node pool names. */
    bill_tag: z.string().min(1).default('karpenter.sh/nodepool'),
    /** Also pull /inferenceCost/total (OpenCost 1.121+) per model and day, as a list-price cross-check. */
    inference_cost: z.boolean().default(false),
  })
  .strict();
export type OpencostSourceConfig = z.infer<typeof opencostSourceSchema>;
const OPENCOST_DEFAULTS = {
  enabled: false,
  lookback_days: 2,
  deployment_label: 'app.kubernetes.io/name',
  node_pool_label: 'karpenter.sh/nodepool',
  bill_tag: 'karpenter.sh/nodepool',
  inference_cost: false,
};

/**
 * A model retirement the shipped table (src/prices/lifecycle-data.ts) does not know, or corrects:
 * a config entry for the same provider and model replaces the shipped one.
 */
export const retirementSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    /** Shutdown/retirement date (requests fail from this day on); omit when retired on an unknown date. */
    date: isoDate.optional(),
    successor: z.string().min(1).optional(),
    note: z.string().optional(),
  })
  .strict();
export type RetirementConfig = z.infer<typeof retirementSchema>;

export const configSchema = z
  .object({
    currency: currency.default('USD'),
    fx: z
      .object({
        rates: z
          .array(z.object({ date: isoDate, from: currency, to: currency, rate: decimalString }).strict())
          .default([]),
        ecb_csv: z.string().optional(),
      })
      .strict()
      .default({ rates: [] }),
    features: z.array(featureSchema).default([]),
    deployments: z.array(deploymentSchema).default([]),
    gpus: z.record(z.string(), gpuSchema).default({}),
    profiles: z.record(z.string(), profileSchema).default({}),
    overhead: z
      .object({ self_hosted: z.number().min(0).max(5).default(0.3), api: z.number().min(0).max(5).default(0) })
      .strict()
      .default({ self_hosted: 0.3, api: 0 }),
    ops: z.object({ monthly_cost: decimalString.default('0') }).strict().default({ monthly_cost: '0' }),
    prices: z
      .object({
        batch_discount: z.record(z.string(), fraction).default({ openai: 0.5, anthropic: 0.5 }),
        overrides: z
          .array(
            z
              .object({
                provider: z.string(),
                model: z.string().optional(),
                discount: fraction.describe('negotiated discount off list price, 0.1 = 10 % off'),
                from: isoDate.optional(),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ batch_discount: { openai: 0.5, anthropic: 0.5 }, overrides: [] }),
    sources: z
      .object({
        openai: z
          .object({
            enabled: z.boolean().default(true),
            lookback_days: lookback.default(3),
            // Also read /organization/usage/decisions (grouped by api_source) and merge it into the
            // usage facts of the same model; off by default (one more request per day pulled).
            decisions_usage: z.boolean().default(false),
            // Read the organization's and each project's hard spend limit after every ingest (when
            // the admin key may: 401/403/404 are "no limit readable", never an ingest failure).
            spend_limits: z.boolean().default(true),
            // Read GET /v1/models once per ingest run and keep its shutdown_date per model for the
            // retirement table (a key that may not list models: 401/403, the shipped table stands).
            read_model_shutdowns: z.boolean().default(true),
          })
          .strict()
          .default({ enabled: true, lookback_days: 3, decisions_usage: false, spend_limits: true, read_model_shutdowns: true }),
        anthropic: z
          .object({
            enabled: z.boolean().default(true),
            lookback_days: lookback.default(3),
            // Which Admin API generation to read: the analytics beta (flat rows, list price and
            // discount per line), the legacy usage/cost reports, or auto = analytics when it answers
            // (not 404), else legacy.
            api: z.enum(['analytics', 'legacy', 'auto']).default('auto'),
          })
          .strict()
          .default({ enabled: true, lookback_days: 3, api: 'auto' }),
        aws: z
          .object({
            enabled: z.boolean().default(true),
            lookback_days: lookback.default(3),
            tag_key: z.string().default('feature'),
            cost_metric: z.enum(['NetAmortizedCost', 'AmortizedCost', 'UnblendedCost']).default('NetAmortizedCost'),
            region: z.string().default('us-east-1'),
          })
          .strict()
          .default({ enabled: true, lookback_days: 3, tag_key: 'feature', cost_metric: 'NetAmortizedCost', region: 'us-east-1' }),
        prometheus: z
          .object({
            enabled: z.boolean().default(true),
            lookback_days: lookback.default(1),
            deployment_label: z.string().default('deployment'),
          })
          .strict()
          .default({ enabled: true, lookback_days: 1, deployment_label: 'deployment' }),
        focus: z
          .object({
            overlap: z
              .enum(['skip', 'replace'])
              .default('skip')
              .describe('when Cost Explorer and a FOCUS export cover the same AWS day: skip = keep Cost Explorer, replace = keep the FOCUS export'),
          })
          .strict()
          .default({ overlap: 'skip' }),
        opencost: opencostSourceSchema.default(OPENCOST_DEFAULTS),
      })
      .strict()
      .default({
        focus: { overlap: 'skip' },
        openai: { enabled: true, lookback_days: 3, decisions_usage: false, spend_limits: true, read_model_shutdowns: true },
        anthropic: { enabled: true, lookback_days: 3, api: 'auto' },
        aws: { enabled: true, lookback_days: 3, tag_key: 'feature', cost_metric: 'NetAmortizedCost', region: 'us-east-1' },
        prometheus: { enabled: true, lookback_days: 1, deployment_label: 'deployment' },
        opencost: OPENCOST_DEFAULTS,
      }),
    models: z
      .object({ retirements: z.array(retirementSchema).default([]) })
      .strict()
      .default({ retirements: [] }),
    schedule: z
      .object({
        timezone: z.string().default('UTC'),
        ingest_cron: z.string().default('15 2 * * *'),
        report_cron: z.string().default('0 7 2 * *'),
      })
      .strict()
      .default({ timezone: 'UTC', ingest_cron: '15 2 * * *', report_cron: '0 7 2 * *' }),
    report: z
      .object({
        recipients: z.array(z.string().email()).default([]),
        from: z.string().optional(),
        min_months_for_recommendation: z.number().int().min(1).max(24).default(3),
        channels: z.array(channelSchema).min(1).optional(),
        // Where reports rendered by pipeline steps (the worker's jobs, `backfill`) are written,
        // relative to the working directory; apart from `demo`'s and `report`'s ./out.
        out_dir: z.string().min(1).default('./out/worker'),
      })
      .strict()
      .default({ recipients: [], min_months_for_recommendation: 3, out_dir: './out/worker' }),
    alerts: z.array(alertSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Set<string>();
    cfg.features.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature ${f.name}` });
      names.add(f.name);
      const p = f.counterfactual.profile;
      if (p && !cfg.profiles[p]) ctx.addIssue({ code: 'custom', path: ['features', i, 'counterfactual', 'profile'], message: `unknown profile ${p}` });
    });
    for (const [name, p] of Object.entries(cfg.profiles)) {
      if (!cfg.gpus[p.gpu]) ctx.addIssue({ code: 'custom', path: ['profiles', name, 'gpu'], message: `unknown gpu ${p.gpu}` });
    }
    cfg.alerts.forEach((a, i) => {
      if (a.feature && a.feature !== 'unattributed' && !names.has(a.feature)) ctx.addIssue({ code: 'custom', path: ['alerts', i, 'feature'], message: `unknown feature ${a.feature}` });
    });
    cfg.deployments.forEach((d, i) => {
      if (!cfg.profiles[d.profile]) ctx.addIssue({ code: 'custom', path: ['deployments', i, 'profile'], message: `unknown profile ${d.profile}` });
      if (d.feature && !names.has(d.feature)) ctx.addIssue({ code: 'custom', path: ['deployments', i, 'feature'], message: `unknown feature ${d.feature}` });
    });
  });

export type Config = z.infer<typeof configSchema>;
