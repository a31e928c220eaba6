/**
 * A bounded producer/consumer queue: the producer runs ahead of the consumer by at most
 * `capacity` items, so reading and encoding overlap with writing while memory stays bounded.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private closed = false;
  private failure: unknown;
  private waitingConsumer: (() => void) | undefined;
  private waitingProducer: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => (this.waitingProducer = resolve));
    }
    if (this.closed) return;
    this.items.push(item);
    this.wakeConsumer();
  }

  close(error?: unknown): void {
    this.closed = true;
    if (error !== undefined && this.failure === undefined) this.failure = error;
    this.wakeConsumer();
    this.wakeProducer();
  }

  /** The next item without removing it; undefined once closed and drained. Throws the producer's error. */
  async peek(): Promise<T | undefined> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.items.length) return this.items[0];
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.waitingConsumer = resolve));
    }
  }

  shift(): T | undefined {
    const item = this.items.shift();
    this.wakeProducer();
    return item;
  }

  private wakeConsumer(): void {
    const w = this.waitingConsumer;
    this.waitingConsumer = undefined;
    w?.();
  }

  private wakeProducer(): void {
    const w = this.waitingProducer;
    this.waitingProducer = undefined;
    w?.();
  }
}
