// The onnxruntime execution providers a user can ask for, as settings and flags name them. A plain list, so the
// faces can check a setting without loading onnxruntime (the editor's server loads it only in a run's worker).
export type ProviderSetting = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type Provider = Exclude<ProviderSetting, 'auto'>;

export const PROVIDER_SETTINGS: readonly ProviderSetting[] = ['auto', 'cuda', 'webgpu', 'cpu'];
