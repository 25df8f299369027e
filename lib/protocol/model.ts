import modelJson from '../../schemas/model.json' with { type: 'json' };
import type { Model, ModelOperation, ModelShape } from './model-types.js';
import { invalidAction } from './errors.js';

export const model = modelJson as unknown as Model;

export function operation(action: string): ModelOperation {
  const op = Object.hasOwn(model.operations, action) ? model.operations[action] : undefined;
  if (!op) throw invalidAction(action);
  return op;
}

export function shape(name: string): ModelShape {
  const s = model.shapes[name];
  if (!s) throw new Error(`shape ${name} is not in schemas/model.json`);
  return s;
}

/** The family (function) that serves each action. */
export function familyOf(action: string): string {
  return operation(action).family;
}
