/**
 * gRPC services of the components, built from their .proto files for @grpc/grpc-js
 * servers the way the bus builds its own: requests arrive as bytes and are decoded here
 * (a message that does not decode is INVALID_ARGUMENT with the reason), handlers get and
 * return plain objects, and the components' errors map onto gRPC status codes.
 */
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { ApiError } from '../../../runtime/errors.ts';
import { DECODE } from './protos.ts';

export type Msg = Record<string, unknown>;

export interface Unary {
  kind: 'unary';
  handle(req: Msg, md: grpc.Metadata): Promise<Msg> | Msg;
}

export interface ServerStream {
  kind: 'server_stream';
  /** Starts the stream; returns a function that stops it. */
  open(req: Msg, write: (m: Msg) => boolean, end: (s: GrpcStatus | null) => void, md: grpc.Metadata): () => void;
}

export interface Bidi {
  kind: 'bidi';
  handle(req: Msg, md: grpc.Metadata): Promise<Msg> | Msg;
}

export type Rpc = Unary | ServerStream | Bidi;
export interface GrpcStatus { code: grpc.status; details: string }

export interface BuiltService {
  definition: grpc.ServiceDefinition;
  handlers: grpc.UntypedServiceImplementation;
}

const CODE_STATUS: Record<string, grpc.status> = {
  OVER_CAPACITY: grpc.status.OUT_OF_RANGE,
  ALREADY_RELEASED: grpc.status.FAILED_PRECONDITION,
  GRANT_EXPIRED: grpc.status.FAILED_PRECONDITION,
  RESOURCE_UNAVAILABLE: grpc.status.RESOURCE_EXHAUSTED,
  CONCURRENCY_LIMIT: grpc.status.RESOURCE_EXHAUSTED,
  TOO_MANY_JOBS: grpc.status.RESOURCE_EXHAUSTED,
};

export function grpcStatusOf(e: unknown): GrpcStatus {
  if (e instanceof ApiError) {
    const byStatus = e.status === 400 ? grpc.status.INVALID_ARGUMENT : e.status === 404 ? grpc.status.NOT_FOUND : e.status === 408 ? grpc.status.DEADLINE_EXCEEDED
      : e.status === 409 ? grpc.status.FAILED_PRECONDITION : e.status === 429 ? grpc.status.RESOURCE_EXHAUSTED : e.status === 503 ? grpc.status.UNAVAILABLE : grpc.status.INTERNAL;
    return { code: CODE_STATUS[e.code] ?? byStatus, details: `${e.code}: ${e.message}` };
  }
  return { code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) };
}

const identity = (b: Buffer): Buffer => b;

export function buildService(svc: protobuf.Service, rpcs: Record<string, Rpc>, observe: (method: string, ms: number, code: grpc.status) => void): BuiltService {
  const definition: Record<string, grpc.MethodDefinition<Buffer, Msg>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [name, rpc] of Object.entries(rpcs)) {
    const m = svc.methods[name];
    if (!m) throw new Error(`${svc.fullName} has no method ${name}`);
    const reqType = m.resolvedRequestType!;
    const resType = m.resolvedResponseType!;
    const decode = (b: Buffer): Msg => reqType.toObject(reqType.decode(b), DECODE) as Msg;
    const encode = (o: Msg): Buffer => {
      const u = resType.encode(resType.fromObject(o)).finish();
      return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    };
    const bad = (e: unknown): GrpcStatus => ({ code: grpc.status.INVALID_ARGUMENT, details: `not a ${reqType.fullName.replace(/^\./, '')}: ${e instanceof Error ? e.message : String(e)}` });
    definition[name] = {
      path: `/${svc.fullName.replace(/^\./, '')}/${name}`, requestStream: rpc.kind === 'bidi', responseStream: rpc.kind !== 'unary',
      requestSerialize: identity, requestDeserialize: identity, responseSerialize: encode, responseDeserialize: () => { throw new Error('server side only'); },
    };
    if (rpc.kind === 'unary') {
      handlers[name] = ((call: grpc.ServerUnaryCall<Buffer, Msg>, cb: grpc.sendUnaryData<Msg>) => {
        const started = performance.now();
        const fail = (s: GrpcStatus): void => {
          observe(name, performance.now() - started, s.code);
          cb({ code: s.code, details: s.details });
        };
        let req: Msg;
        try {
          req = decode(call.request);
        } catch (e) {
          return fail(bad(e));
        }
        const ok = (res: Msg): void => {
          observe(name, performance.now() - started, grpc.status.OK);
          cb(null, res);
        };
        // A handler that answers synchronously is answered in the same turn (no microtask hop).
        let out: Msg | Promise<Msg>;
        try {
          out = rpc.handle(req, call.metadata);
        } catch (e) {
          return fail(grpcStatusOf(e));
        }
        if (out instanceof Promise) out.then(ok, (e: unknown) => fail(grpcStatusOf(e)));
        else ok(out);
      }) as grpc.handleUnaryCall<Buffer, Msg>;
    } else if (rpc.kind === 'server_stream') {
      handlers[name] = ((call: grpc.ServerWritableStream<Buffer, Msg>) => {
        const started = performance.now();
        let req: Msg;
        try {
          req = decode(call.request);
        } catch (e) {
          const s = bad(e);
          observe(name, performance.now() - started, s.code);
          call.emit('error', { code: s.code, details: s.details });
          return;
        }
        let done = false;
        const end = (s: GrpcStatus | null): void => {
          if (done) return;
          done = true;
          stop();
          observe(name, performance.now() - started, s ? s.code : grpc.status.OK);
          if (s) call.emit('error', { code: s.code, details: s.details });
          else call.end();
        };
        const stop = rpc.open(req, (m) => call.write(m), end, call.metadata);
        const closed = (): void => {
          if (done) return;
          done = true;
          stop();
          observe(name, performance.now() - started, grpc.status.CANCELLED);
        };
        call.on('cancelled', closed);
        call.on('close', closed);
        call.on('error', closed);
      }) as grpc.handleServerStreamingCall<Buffer, Msg>;
    } else {
      handlers[name] = ((call: grpc.ServerDuplexStream<Buffer, Msg>) => {
        const started = performance.now();
        let ended = false;
        let inFlight = 0;
        let inputDone = false;
        let chain = Promise.resolve();
        const finish = (s: GrpcStatus | null): void => {
          if (ended) return;
          ended = true;
          observe(name, performance.now() - started, s ? s.code : grpc.status.OK);
          if (s) call.emit('error', { code: s.code, details: s.details });
          else call.end();
        };
        call.on('data', (b: Buffer) => {
          if (ended) return;
          inFlight++;
          // Answers go out in request order.
          chain = chain.then(async () => {
            if (ended) return;
            let req: Msg;
            try {
              req = decode(b);
            } catch (e) {
              return finish(bad(e));
            }
            try {
              call.write(await rpc.handle(req, call.metadata));
            } catch (e) {
              finish(grpcStatusOf(e));
            }
          }).finally(() => {
            inFlight--;
            if (inputDone && inFlight === 0) finish(null);
          });
        });
        call.on('end', () => {
          inputDone = true;
          if (inFlight === 0) finish(null);
        });
        call.on('cancelled', () => {
          ended = true;
        });
      }) as grpc.handleBidiStreamingCall<Buffer, Msg>;
    }
  }
  return { definition, handlers };
}

/** Starts a grpc-js server with the given services; `host:port` (port 0 = a free one). */
/** Lets calls in flight finish, forcing the shutdown after 2 s. */
export function stopGrpcServer(server: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 2000);
    server.tryShutdown(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

export async function startServer(host: string, port: number, services: BuiltService[]): Promise<{ server: grpc.Server; address: string; port: number; stop(): Promise<void> }> {
  const server = new grpc.Server();
  for (const s of services) server.addService(s.definition, s.handlers);
  const h = host.includes(':') ? `[${host}]` : host;
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${h}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    server, address: `${h}:${bound}`, port: bound,
    stop: () => stopGrpcServer(server),
  };
}
