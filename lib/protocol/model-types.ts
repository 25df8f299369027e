/** The trimmed EC2 service model kept in schemas/model.json (see scripts/generate-schemas.ts). */

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'double'
  | 'float'
  | 'boolean'
  | 'timestamp'
  | 'blob';

export interface ModelMember {
  shape: string;
  locationName?: string;
  queryName?: string;
}

export interface ModelShape {
  type: ShapeType;
  members?: Record<string, ModelMember>;
  required?: string[];
  member?: ModelMember;
  key?: ModelMember;
  value?: ModelMember;
  enum?: string[];
  min?: number;
  max?: number;
  flattened?: boolean;
  locationName?: string;
}

export interface ModelPagination {
  inputToken: string;
  outputToken: string;
  limitKey?: string | undefined;
  resultKey: string;
}

export interface ModelOperation {
  family: string;
  resource: string;
  input?: string;
  output?: string;
  /** Filter names AWS documents for this action (tag:, tag-key and tag-value are always allowed). */
  filters?: string[];
  paginated?: ModelPagination;
}

export interface Model {
  apiVersion: string;
  xmlNamespace: string;
  operations: Record<string, ModelOperation>;
  shapes: Record<string, ModelShape>;
}
