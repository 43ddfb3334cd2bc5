import { describe, expect, it } from 'vitest';
import { parseUsageType } from '../../../src/sources/aws/usage-type.ts';
import { detectGpu, gpuForAwsInstanceType } from '../../../src/sources/gpu-catalog.ts';

describe('GPU catalog: AWS instance types', () => {
  it.each([
    ['p4d.24xlarge', 'a100-40gb', 8],
    ['p4de.24xlarge', 'a100-80gb', 8],
    ['p5.48xlarge', 'h100', 8],
    ['p5e.48xlarge', 'h200', 8],
    ['p5en.48xlarge', 'h200', 8],
    ['g5.xlarge', 'a10g', 1],
    ['g5.12xlarge', 'a10g', 4],
    ['g5.48xlarge', 'a10g', 8],
    ['g6.2xlarge', 'l4', 1],
    ['g6.24xlarge', 'l4', 4],
    ['g6e.xlarge', 'l40s', 1],
    ['g6e.48xlarge', 'l40s', 8],
    ['ml.g5.2xlarge', 'a10g', 1],
    ['ml.p4d.24xlarge', 'a100-40gb', 8],
  ])('%s → %s × %i', (type, gpu, count) => {
    expect(gpuForAwsInstanceType(type)).toMatchObject({ gpu, count, cloud: 'aws', instanceType: type });
  });

  it.each(['m7i.xlarge', 't3.micro', 'c7g.16xlarge', 'inf2.xlarge', 'nonsense'])('%s has no GPU', (type) => {
    expect(gpuForAwsInstanceType(type)).toBeNull();
  });
});

describe('parseUsageType', () => {
  it('EC2 box usage in us-east-1 (no prefix) and with a region prefix', () => {
    expect(parseUsageType('BoxUsage:p5.48xlarge')).toMatchObject({ region: 'us-east-1', instanceType: 'p5.48xlarge', purchaseOption: 'on-demand', resourceType: 'instance', gpu: { gpu: 'h100', count: 8 } });
    expect(parseUsageType('USW2-BoxUsage:g6.xlarge')).toMatchObject({ region: 'us-west-2', instanceType: 'g6.xlarge', gpu: { gpu: 'l4', count: 1 } });
    expect(parseUsageType('EUC1-SpotUsage:g5.12xlarge')).toMatchObject({ region: 'eu-central-1', purchaseOption: 'spot', gpu: { gpu: 'a10g', count: 4 } });
    expect(parseUsageType('BoxUsage:m7i.xlarge')).toMatchObject({ instanceType: 'm7i.xlarge', gpu: null, service: 'Amazon Elastic Compute Cloud - Compute' });
  });

  it('SageMaker endpoints', () => {
    expect(parseUsageType('USE1-Host:ml.g6e.2xlarge')).toMatchObject({ service: 'Amazon SageMaker', resourceType: 'endpoint', instanceType: 'ml.g6e.2xlarge', gpu: { gpu: 'l40s', count: 1 } });
    expect(parseUsageType('USW2-Train:ml.p4de.24xlarge')).toMatchObject({ resourceType: 'training-job', gpu: { gpu: 'a100-80gb', count: 8 } });
  });

  it('Bedrock token usage types, incl. Claude via Marketplace', () => {
    expect(parseUsageType('USE1-Llama3-3-70B-input-tokens').bedrock).toEqual({ model: 'Llama3-3-70B', tokenType: 'uncached_input_tokens', batch: false, marketplace: false });
    expect(parseUsageType('USE1-Llama3-3-70B-output-tokens').bedrock).toMatchObject({ model: 'Llama3-3-70B', tokenType: 'output_tokens' });
    expect(parseUsageType('USW2-NovaLite-cache-read-input-token-count').bedrock).toMatchObject({ model: 'NovaLite', tokenType: 'cache_read_tokens' });
    expect(parseUsageType('USE1-NovaPro-cache-write-input-token-count').bedrock).toMatchObject({ tokenType: 'cache_write_tokens' });
    expect(parseUsageType('USE1-Mistral-Large-input-tokens-batch').bedrock).toMatchObject({ model: 'Mistral-Large', batch: true });
    expect(parseUsageType('USE1-MP:USE1_InputTokenCount-Units')).toMatchObject({
      service: 'Amazon Bedrock',
      region: 'us-east-1',
      bedrock: { model: 'bedrock-marketplace', tokenType: 'uncached_input_tokens', marketplace: true, batch: false },
    });
    expect(parseUsageType('USE1-MP:USE1_OutputTokenCount-Units').bedrock).toMatchObject({ tokenType: 'output_tokens' });
    expect(parseUsageType('USE1-MP:USE1_CacheReadInputTokenCount-Units').bedrock).toMatchObject({ tokenType: 'cache_read_tokens' });
  });

  it('everything else keeps its usage type with a best-effort service', () => {
    expect(parseUsageType('TimedStorage-ByteHrs')).toMatchObject({ service: 'Amazon Simple Storage Service', serviceCategory: 'Storage', gpu: null, bedrock: null });
    expect(parseUsageType('USE2-EBS:VolumeUsage.gp3')).toMatchObject({ region: 'us-east-2', service: 'EC2 - Other' });
    expect(parseUsageType('USE1-USW2-AWS-Out-Bytes')).toMatchObject({ region: 'us-east-1', service: 'AWS Data Transfer' });
    expect(parseUsageType('APS3-SomethingNew')).toMatchObject({ region: 'ap-south-1', service: null, body: 'SomethingNew' });
  });
});

describe('detectGpu in bill texts of other clouds', () => {
  it.each([
    ['$1.624 per On Demand Linux g5.4xlarge Instance Hour', 'a10g', 1, 'aws'],
    ['Standard_NC24ads_A100_v4', 'a100-80gb', 1, 'azure'],
    ['NC96ads A100 v4', 'a100-80gb', 4, 'azure'],
    ['Standard_ND96asr_v4', 'a100-40gb', 8, 'azure'],
    ['ND96isr H100 v5', 'h100', 8, 'azure'],
    ['Standard_NC40ads_H100_v5', 'h100', 1, 'azure'],
    ['Standard_NC4as_T4_v3', 't4', 1, 'azure'],
    ['NC24s v3', 'v100', 4, 'azure'],
    ['a2-highgpu-4g', 'a100-40gb', 4, 'gcp'],
    ['a2-ultragpu-8g', 'a100-80gb', 8, 'gcp'],
    ['a3-highgpu-8g', 'h100', 8, 'gcp'],
    ['a3-ultragpu-8g', 'h200', 8, 'gcp'],
    ['g2-standard-48', 'l4', 4, 'gcp'],
    ['Nvidia Tesla A100 GPU running in Americas', 'a100-40gb', 1, 'gcp'],
    ['Nvidia H100 80GB GPU running in Americas', 'h100', 1, 'gcp'],
    ['BM.GPU.H100.8', 'h100', 8, 'oci'],
    ['BM.GPU.A100-v2.8', 'a100-80gb', 8, 'oci'],
    ['BM.GPU4.8', 'a100-40gb', 8, 'oci'],
    ['VM.GPU.A10.1', 'a10', 1, 'oci'],
    ['BM.GPU.L40S-NC.4', 'l40s', 4, 'oci'],
  ])('%s → %s × %i (%s)', (text, gpu, count, cloud) => {
    expect(detectGpu(text)).toMatchObject({ gpu, count, cloud });
  });

  it.each(['Standard - E3 - Memory', 'Tables - LRS Data Stored', 'my-a100-notes', '$0.114 per GB-month of gp2', ''])('no GPU in %j', (text) => {
    expect(detectGpu(text)).toBeNull();
  });
});
