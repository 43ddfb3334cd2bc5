/**
 * Which GPUs a cloud instance type carries, so GPU capacity in a bill (AWS usage types, FOCUS rows
 * from AWS, Azure, GCP, OCI) is recognised as the same model whatever the cloud calls it.
 *
 * `gpu` is the catalog key in the config's `gpus:` style (lowercase, memory suffix where one model
 * ships in two sizes) so bill lines join the config's GPU prices and throughput profiles.
 */

export const GPU_MODELS = {
  'a100-40gb': { name: 'NVIDIA A100 40GB', memoryGib: 40 },
  'a100-80gb': { name: 'NVIDIA A100 80GB', memoryGib: 80 },
  h100: { name: 'NVIDIA H100 80GB', memoryGib: 80 },
  h200: { name: 'NVIDIA H200 141GB', memoryGib: 141 },
  b200: { name: 'NVIDIA B200', memoryGib: 180 },
  a10g: { name: 'NVIDIA A10G', memoryGib: 24 },
  a10: { name: 'NVIDIA A10', memoryGib: 24 },
  l4: { name: 'NVIDIA L4', memoryGib: 24 },
  l40s: { name: 'NVIDIA L40S', memoryGib: 48 },
  t4: { name: 'NVIDIA T4', memoryGib: 16 },
  v100: { name: 'NVIDIA V100', memoryGib: 16 },
  mi300x: { name: 'AMD Instinct MI300X', memoryGib: 192 },
} as const;

export type GpuKey = keyof typeof GPU_MODELS;
export type Cloud = 'aws' | 'azure' | 'gcp' | 'oci';

export interface GpuInfo {
  gpu: GpuKey;
  gpuName: string;
  memoryGib: number;
  /** GPUs per instance (per unit of the line's quantity, e.g. per instance-hour). */
  count: number;
  /** The instance type / VM size / shape as found (SageMaker keeps its `ml.` prefix). */
  instanceType: string;
  cloud: Cloud;
}

function info(gpu: GpuKey, count: number, instanceType: string, cloud: Cloud): GpuInfo {
  return { gpu, gpuName: GPU_MODELS[gpu].name, memoryGib: GPU_MODELS[gpu].memoryGib, count, instanceType, cloud };
}

// ---- AWS -------------------------------------------------------------------------------------

/** Families whose GPU count depends on the size: size → count (sizes not listed carry 1). */
const AWS_FAMILIES: Record<string, { gpu: GpuKey; bySize: Record<string, number> }> = {
  p4d: { gpu: 'a100-40gb', bySize: { '24xlarge': 8 } },
  p4de: { gpu: 'a100-80gb', bySize: { '24xlarge': 8 } },
  p5: { gpu: 'h100', bySize: { '48xlarge': 8, '4xlarge': 1 } },
  p5e: { gpu: 'h200', bySize: { '48xlarge': 8 } },
  p5en: { gpu: 'h200', bySize: { '48xlarge': 8 } },
  'p6-b200': { gpu: 'b200', bySize: { '48xlarge': 8 } },
  p3: { gpu: 'v100', bySize: { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 } },
  p3dn: { gpu: 'v100', bySize: { '24xlarge': 8 } },
  g5: { gpu: 'a10g', bySize: { '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 } },
  g6: { gpu: 'l4', bySize: { '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 } },
  g6e: { gpu: 'l40s', bySize: { '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 } },
  g4dn: { gpu: 't4', bySize: { '12xlarge': 4, metal: 8 } },
};

/**
 * An AWS instance type (`p5.48xlarge`, `g6e.xlarge`, SageMaker `ml.g5.2xlarge`) → its GPUs, or
 * null for instance types without a GPU in the catalog.
 */
export function gpuForAwsInstanceType(instanceType: string): GpuInfo | null {
  const m = /^(?:ml\.)?([a-z0-9-]+)\.([a-z0-9-]+)$/i.exec(instanceType.trim());
  if (!m) return null;
  const family = AWS_FAMILIES[m[1]!.toLowerCase()];
  if (!family) return null;
  return info(family.gpu, family.bySize[m[2]!.toLowerCase()] ?? 1, instanceType.trim(), 'aws');
}

// ---- Azure, GCP, OCI (best-effort: names as they appear in SKU/meter names and descriptions) ----

interface Pattern {
  re: RegExp;
  cloud: Cloud;
  gpu: (m: RegExpExecArray) => GpuKey | null;
  count: (m: RegExpExecArray) => number;
}

const AZURE_NC_A100: Record<string, number> = { nc24ads: 1, nc48ads: 2, nc96ads: 4 };
const AZURE_NCV3: Record<string, number> = { nc6s: 1, nc12s: 2, nc24s: 4, nc24rs: 4 };
const AZURE_T4: Record<string, number> = { nc4as: 1, nc8as: 1, nc16as: 1, nc64as: 4 };
const AZURE_NC_H100: Record<string, number> = { nc40ads: 1, nc80adis: 2 };
const GCP_A2_A3: Record<string, GpuKey> = { 'a2-highgpu': 'a100-40gb', 'a2-megagpu': 'a100-40gb', 'a2-ultragpu': 'a100-80gb', 'a3-highgpu': 'h100', 'a3-megagpu': 'h100', 'a3-edgegpu': 'h100', 'a3-ultragpu': 'h200', 'a4-highgpu': 'b200' };
const G2_STANDARD: Record<string, number> = { '24': 2, '48': 4, '96': 8 };
const OCI_SHAPES: Record<string, GpuKey> = {
  'h100': 'h100', 'h200': 'h200', 'a100-v2': 'a100-80gb', 'b4': 'a100-40gb', '4': 'a100-40gb', 'l40s': 'l40s', 'l40s-nc': 'l40s',
  'a10': 'a10', 'mi300x': 'mi300x', '3': 'v100', '2': 'v100',
};
const NAMED_GPU: Record<string, GpuKey> = {
  'a100 80gb': 'a100-80gb', 'a100': 'a100-40gb', 'h100 80gb': 'h100', 'h100': 'h100', 'h200': 'h200', 'l4': 'l4', 'l40s': 'l40s',
  't4': 't4', 'v100': 'v100', 'a10g': 'a10g', 'a10': 'a10', 'b200': 'b200',
};

const PATTERNS: Pattern[] = [
  // Azure: Standard_NC24ads_A100_v4 / "NC24ads A100 v4"
  { re: /\b(?:standard_)?(nc\d+ads)[_ ]a100[_ ]v4\b/i, cloud: 'azure', gpu: () => 'a100-80gb', count: (m) => AZURE_NC_A100[m[1]!.toLowerCase()] ?? 1 },
  { re: /\b(?:standard_)?nd96amsr[_ ]a100[_ ]v4\b/i, cloud: 'azure', gpu: () => 'a100-80gb', count: () => 8 },
  { re: /\b(?:standard_)?nd96asr[_ ](?:a100[_ ])?v4\b/i, cloud: 'azure', gpu: () => 'a100-40gb', count: () => 8 },
  { re: /\b(?:standard_)?nd96is?r[_ ](h100|h200|mi300x)[_ ]v5\b/i, cloud: 'azure', gpu: (m) => m[1]!.toLowerCase() as GpuKey, count: () => 8 },
  { re: /\b(?:standard_)?(nc\d+adi?s)[_ ]h100[_ ]v5\b/i, cloud: 'azure', gpu: () => 'h100', count: (m) => AZURE_NC_H100[m[1]!.toLowerCase()] ?? 1 },
  { re: /\b(?:standard_)?(nc\d+r?s)[_ ]v3\b/i, cloud: 'azure', gpu: () => 'v100', count: (m) => AZURE_NCV3[m[1]!.toLowerCase()] ?? 1 },
  { re: /\b(?:standard_)?(nc\d+as)[_ ]t4[_ ]v3\b/i, cloud: 'azure', gpu: () => 't4', count: (m) => AZURE_T4[m[1]!.toLowerCase()] ?? 1 },
  // GCP machine types: a2-highgpu-4g, a3-megagpu-8g, g2-standard-24
  { re: /\b(a[234]-(?:high|mega|ultra|edge)gpu)-(\d+)g\b/i, cloud: 'gcp', gpu: (m) => GCP_A2_A3[m[1]!.toLowerCase()] ?? null, count: (m) => Number(m[2]) },
  { re: /\bg2-standard-(\d+)\b/i, cloud: 'gcp', gpu: () => 'l4', count: (m) => G2_STANDARD[m[1]!] ?? 1 },
  // GCP GPU SKUs billed per GPU-hour: "Nvidia Tesla A100 GPU running in Americas", "Nvidia H100 80GB GPU …"
  { re: /\bnvidia (?:tesla )?(a100 80gb|a100|h100 80gb|h100|h200|l4|t4|v100)(?: [\w-]+)? gpu\b/i, cloud: 'gcp', gpu: (m) => NAMED_GPU[m[1]!.toLowerCase()] ?? null, count: () => 1 },
  // OCI shapes: BM.GPU.H100.8, BM.GPU.A100-v2.8, BM.GPU4.8, VM.GPU.A10.1, BM.GPU.L40S-NC.4
  { re: /\b(?:bm|vm)\.gpu\.?([a-z0-9-]+?)\.(\d+)\b/i, cloud: 'oci', gpu: (m) => OCI_SHAPES[m[1]!.toLowerCase()] ?? null, count: (m) => Number(m[2]) },
];

/** An AWS instance type anywhere in a text (a FOCUS ChargeDescription, a usage type, a meter name). */
const AWS_TYPE_IN_TEXT = /(?:^|[^a-z0-9.-])((?:ml\.)?(?:p4de?|p5e?n?|p6-b200|p3dn|p3|g5|g6e?|g4dn)\.(?:\d*xlarge|metal))(?![a-z0-9])/i;

/**
 * Best-effort: the first GPU instance type / VM size / shape found in a text from any cloud's bill,
 * or null. Only structured names are recognised (a bare "A100" in free text is not: it may be
 * a resource someone named, not capacity).
 */
export function detectGpu(text: string | null | undefined): GpuInfo | null {
  if (!text) return null;
  const aws = AWS_TYPE_IN_TEXT.exec(text);
  if (aws) return gpuForAwsInstanceType(aws[1]!);
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (!m) continue;
    const gpu = p.gpu(m);
    if (gpu) return info(gpu, p.count(m), m[0].trim(), p.cloud);
  }
  return null;
}
