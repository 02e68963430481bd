export * from './application';
export * from './sync';
export * from './notify';
export * from './appset';
export * from './promotion';
