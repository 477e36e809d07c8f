// One way to make a generator from its settings: the kind picks the backend.
import { createA1111Generator } from './a1111';
import { createCommandGenerator } from './command';
import { createComfyUIGenerator } from './comfyui';
import { createDegradeGenerator } from './degradeGenerator';
import { createFilesGenerator } from './files';
import { GenerationError, type Generator } from './generator';
import { createOpenAIGenerator } from './openai';
import type { GeneratorEnvironment, GeneratorSettings } from './settings';

export function createGenerator(settings: GeneratorSettings, env: GeneratorEnvironment): Generator {
  switch (settings.kind) {
    case 'degrade':
      return createDegradeGenerator(settings);
    case 'comfyui':
      return createComfyUIGenerator(settings);
    case 'a1111':
      return createA1111Generator(settings);
    case 'openai':
      return createOpenAIGenerator(settings, env);
    case 'command':
      return createCommandGenerator(settings);
    case 'files':
      return createFilesGenerator(settings);
    default:
      throw new GenerationError(settings.kind || 'generator', `generator '${settings.name}' has an unknown kind '${settings.kind}'`);
  }
}

export { GenerationError, type Generator, type GenerationRequest, type GeneratedImage } from './generator';
export { generatorSettings, type GeneratorEnvironment, type GeneratorSettings } from './settings';
