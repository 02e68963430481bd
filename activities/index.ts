export * from './hello';
