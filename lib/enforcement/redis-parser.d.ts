// redis-parser (ioredis's own RESP parser) ships no types: the part redis-lane.ts uses.
declare module 'redis-parser' {
  interface ParserOptions {
    returnReply: (reply: unknown) => void
    returnError: (err: Error) => void
    returnFatalError?: (err: Error) => void
    returnBuffers?: boolean
    stringNumbers?: boolean
  }
  export default class RedisParser {
    constructor(options: ParserOptions)
    execute(chunk: Buffer): void
  }
}
