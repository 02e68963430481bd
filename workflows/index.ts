export * from './application';
export * from './sync';
