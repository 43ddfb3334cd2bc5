import { gpuForAwsInstanceType, type GpuInfo } from '../gpu-catalog.ts';

/**
 * AWS usage types (the USAGE_TYPE dimension of Cost Explorer) carry the region, the service and,
 * for instances, the instance type: `USW2-BoxUsage:p5.48xlarge`, `SpotUsage:g6e.xlarge`,
 * `USE1-Host:ml.g5.2xlarge`, `USE1-Llama3-3-70B-input-tokens`, `USE1-MP:USE1_InputTokenCount-Units`.
 * Grouping by tag and usage type leaves no room for a SERVICE group (at most 2 GroupBy), so the
 * service is inferred from the usage type here.
 */

/** Region prefixes of usage types. us-east-1 usage types of most services carry none. */
const REGIONS: Record<string, string> = {
  USE1: 'us-east-1', USE2: 'us-east-2', USW1: 'us-west-1', USW2: 'us-west-2', CAN1: 'ca-central-1', CAW1: 'ca-west-1',
  EU: 'eu-west-1', EUW1: 'eu-west-1', EUW2: 'eu-west-2', EUW3: 'eu-west-3', EUC1: 'eu-central-1', EUC2: 'eu-central-2',
  EUN1: 'eu-north-1', EUS1: 'eu-south-1', EUS2: 'eu-south-2', APN1: 'ap-northeast-1', APN2: 'ap-northeast-2',
  APN3: 'ap-northeast-3', APS1: 'ap-southeast-1', APS2: 'ap-southeast-2', APS3: 'ap-south-1', APS4: 'ap-southeast-3',
  APS5: 'ap-south-2', APS6: 'ap-southeast-4', APE1: 'ap-east-1', SAE1: 'sa-east-1', MES1: 'me-south-1', MEC1: 'me-central-1',
  AFS1: 'af-south-1', ILC1: 'il-central-1', UGW1: 'us-gov-west-1', UGE1: 'us-gov-east-1',
};

export type TokenType = 'uncached_input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens';

export interface BedrockTokens {
  /** Model as named in the usage type (`Llama3-3-70B`); Marketplace (Claude) usage types name none. */
  model: string;
  tokenType: TokenType;
  batch: boolean;
  marketplace: boolean;
}

export interface AwsUsageType {
  raw: string;
  /** Region code (`us-west-2`), or null when the prefix is unknown. */
  region: string | null;
  /** The usage type without its region prefix. */
  body: string;
  service: string | null;
  serviceCategory: string | null;
  resourceType: string | null;
  instanceType: string | null;
  purchaseOption: string | null;
  gpu: GpuInfo | null;
  bedrock: BedrockTokens | null;
}

const EC2_KINDS: Record<string, string> = {
  BoxUsage: 'on-demand',
  SpotUsage: 'spot',
  DedicatedUsage: 'dedicated',
  HeavyUsage: 'reserved',
  Reservation: 'reserved',
  UnusedBox: 'unused-reservation',
  UnusedDed: 'unused-reservation',
  CapacityBlock: 'capacity-block',
};

const SAGEMAKER_KINDS: Record<string, string> = {
  Host: 'endpoint',
  AsyncInf: 'endpoint',
  Train: 'training-job',
  Notebk: 'notebook-instance',
  Processing: 'processing-job',
};

const BEDROCK_SUFFIX: Array<[RegExp, TokenType]> = [
  [/-cache-read-input-token-count$/i, 'cache_read_tokens'],
  [/-cache-write-input-token-count$/i, 'cache_write_tokens'],
  [/-input-tokens?$/i, 'uncached_input_tokens'],
  [/-output-tokens?$/i, 'output_tokens'],
];

const MARKETPLACE_TOKENS: Record<string, TokenType> = {
  inputtokencount: 'uncached_input_tokens',
  outputtokencount: 'output_tokens',
  cachereadinputtokencount: 'cache_read_tokens',
  cachewriteinputtokencount: 'cache_write_tokens',
};

/** The model name recorded for Claude-on-Bedrock Marketplace usage types, which name no model. */
export const MARKETPLACE_MODEL = 'bedrock-marketplace';

function splitRegion(raw: string): { region: string | null; body: string } {
  const m = /^([A-Z]{2,3}\d?)-(.+)$/.exec(raw);
  if (m && REGIONS[m[1]!]) return { region: REGIONS[m[1]!]!, body: m[2]! };
  // No prefix: us-east-1 by AWS's convention, unless the body is clearly not regional.
  return { region: 'us-east-1', body: raw };
}

function bedrockTokens(body: string): BedrockTokens | null {
  const mp = /^MP:(?:[A-Z]{2,3}\d?_)?([A-Za-z]+?TokenCount)((?:[_-][A-Za-z0-9]+)*?)-Units$/.exec(body);
  if (mp) {
    const tokenType = MARKETPLACE_TOKENS[mp[1]!.toLowerCase()];
    if (!tokenType) return null;
    return { model: MARKETPLACE_MODEL, tokenType, batch: /batch/i.test(mp[2] ?? ''), marketplace: true };
  }
  let rest = body;
  const batch = /-batch$/i.test(rest);
  if (batch) rest = rest.replace(/-batch$/i, '');
  for (const [re, tokenType] of BEDROCK_SUFFIX) {
    if (re.test(rest)) {
      const model = rest.replace(re, '');
      if (!model || model.includes(':')) return null;
      return { model, tokenType, batch, marketplace: false };
    }
  }
  return null;
}

function classifyOther(body: string): Pick<AwsUsageType, 'service' | 'serviceCategory' | 'resourceType'> {
  if (/^(TimedStorage|Requests-Tier|Requests-|EarlyDelete|Retrieval)/i.test(body)) return { service: 'Amazon Simple Storage Service', serviceCategory: 'Storage', resourceType: null };
  if (/^EBS:/i.test(body)) return { service: 'EC2 - Other', serviceCategory: 'Storage', resourceType: 'volume' };
  if (/^NatGateway-/i.test(body)) return { service: 'EC2 - Other', serviceCategory: 'Networking', resourceType: 'nat-gateway' };
  if (/(DataTransfer|-Bytes$|-Out-Bytes|-In-Bytes)/i.test(body)) return { service: 'AWS Data Transfer', serviceCategory: 'Networking', resourceType: null };
  return { service: null, serviceCategory: null, resourceType: null };
}

export function parseUsageType(raw: string): AwsUsageType {
  const { region, body } = splitRegion(raw.trim());
  const base: AwsUsageType = {
    raw,
    region,
    body,
    service: null,
    serviceCategory: null,
    resourceType: null,
    instanceType: null,
    purchaseOption: null,
    gpu: null,
    bedrock: null,
  };

  const ec2 = /^([A-Za-z]+)(?::(.+))?$/.exec(body);
  if (ec2 && EC2_KINDS[ec2[1]!]) {
    // A bare `BoxUsage` is the historical default instance type.
    const instanceType = ec2[2] ?? 'm1.small';
    return {
      ...base,
      service: 'Amazon Elastic Compute Cloud - Compute',
      serviceCategory: 'Compute',
      resourceType: 'instance',
      instanceType,
      purchaseOption: EC2_KINDS[ec2[1]!]!,
      gpu: gpuForAwsInstanceType(instanceType),
    };
  }

  const sm = /^([A-Za-z]+)(?:-[A-Za-z]+)?:(ml\.[a-z0-9-]+\.[a-z0-9-]+)$/.exec(body);
  if (sm) {
    return {
      ...base,
      service: 'Amazon SageMaker',
      serviceCategory: 'AI and Machine Learning',
      resourceType: SAGEMAKER_KINDS[sm[1]!] ?? 'sagemaker',
      instanceType: sm[2]!,
      gpu: gpuForAwsInstanceType(sm[2]!),
    };
  }

  const bedrock = bedrockTokens(body);
  if (bedrock) {
    return { ...base, service: 'Amazon Bedrock', serviceCategory: 'AI and Machine Learning', resourceType: 'model', bedrock };
  }

  return { ...base, ...classifyOther(body) };
}
