export const adminUrl = () => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = () => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url).pathname;
export const LOCAL_FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
