/** The throwaway redis-server lives in local/ (the demo uses it too); the suites import it from here. */
export {
  RedisReplyError,
  startRedisServer,
  type RedisConnection,
  type RedisReply,
  type RedisServer,
} from '../../local/redis-server.js';
