export { main } from './cli.js';
export {
  type ClusterOptions,
  defaultWorkers,
  poolSizePerWorker,
  type RunningCluster,
  startCluster,
} from './cluster.js';
export { createInfrastructure, type Infrastructure, StartupError } from './infrastructure.js';
export { migrate, type Platform, type StartOptions, startPlatform } from './platform.js';
export { SERVICES } from './services.js';
