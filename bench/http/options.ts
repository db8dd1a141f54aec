/** What every bench/http server is built from (read from BENCH_* variables by server.ts). */
export interface BenchAppOptions {
  /** Redis URL, or undefined for the memory-store variants. */
  redisUrl?: string;
  /** Where the peers' and the floor's JSON access log goes. */
  logFile: string;
  /** The kit's LOG_DIR (its file logging writes activity.log and error.log there). */
  logDir: string;
  /** HS256 secret of the benchmark tokens. */
  secret: string;
  /** PEM public keys of the RS256 and ES256 tokens (budget layers only). */
  rs256PublicKey?: string;
  es256PublicKey?: string;
  /** Requests allowed per window (high: the benchmark measures the cost, not the rejections). */
  limit: number;
}
