// The primary's side of the workers' CacheStore (ClusterCacheStore): answers their calls from
// one store kept in the primary (the in-memory one) and forwards each published message to every
// worker subscribed to its channel, the publisher's own included.
import type { CacheMessage, CacheReply, CacheRequest, IpcPeer } from './cluster-store.js';
import type { CacheStore } from './types.js';

const isRequest = (value: unknown): value is CacheRequest =>
  typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'cache:request';

/** A send whose failure (the worker died meanwhile) is nobody's business but the worker's. */
const sendQuietly = (peer: IpcPeer, message: CacheReply | CacheMessage) => {
  peer.send(message, () => undefined);
};

export class ClusterCacheHost {
  constructor(private readonly store: CacheStore) {}

  /**
   * Serves one worker over its IPC channel until the returned function is called (when the
   * worker has exited), which drops the worker's subscriptions.
   */
  attach(peer: IpcPeer): () => Promise<void> {
    // Per store of the worker, and per channel: the function that ends the subscription.
    const subscriptions = new Map<string, Promise<() => Promise<void>>>();
    const answer = async (request: CacheRequest): Promise<unknown> => {
      const { store, args } = request;
      switch (request.operation) {
        case 'get':
          return this.store.get(args[0] as string);
        case 'getMany':
          return this.store.getMany(args as string[]);
        case 'set':
          return this.store.set(args[0] as string, args[1] as string, args[2] as number);
        case 'delete':
          return this.store.delete(...(args as string[]));
        case 'hitSlidingWindow':
          return this.store.hitSlidingWindow(args[0] as string, args[1] as number, args[2] as number);
        case 'publish':
          return this.store.publish(args[0] as string, args[1] as string);
        case 'subscribe': {
          const channel = args[0] as string;
          const key = `${store}\n${channel}`;
          // Taken synchronously, so a subscribe and an unsubscribe arriving in a row keep their order.
          let subscribed = subscriptions.get(key);
          if (!subscribed) {
            subscribed = this.store.subscribe(channel, (message) =>
              sendQuietly(peer, { type: 'cache:message', store, channel, message }),
            );
            subscriptions.set(key, subscribed);
            const failed = subscribed;
            failed.catch(() => {
              if (subscriptions.get(key) === failed) subscriptions.delete(key);
            });
          }
          await subscribed;
          return undefined;
        }
        case 'unsubscribe': {
          const key = `${store}\n${args[0] as string}`;
          const subscribed = subscriptions.get(key);
          subscriptions.delete(key);
          if (subscribed) await (await subscribed)();
          return undefined;
        }
        case 'ping':
          return this.store.ping();
        default:
          throw new Error(`unknown cache operation ${String(request.operation)}`);
      }
    };
    const receive = (value: unknown): void => {
      if (!isRequest(value)) return;
      const { store, id } = value;
      answer(value).then(
        (result) => sendQuietly(peer, { type: 'cache:reply', store, id, value: result ?? null }),
        (error: unknown) =>
          sendQuietly(peer, {
            type: 'cache:reply',
            store,
            id,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
    };
    peer.on('message', receive);
    return async () => {
      peer.off('message', receive);
      const ended = [...subscriptions.values()];
      subscriptions.clear();
      await Promise.allSettled(ended.map(async (subscribed) => (await subscribed)()));
    };
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
