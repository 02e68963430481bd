export * from './hello';
export * from './application';
export * from './sync';
