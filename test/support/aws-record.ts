// Stand-ins for the AWS services the deployed flows call, on mocked SDK clients (no AWS here), that
// record every call with the role it was made under: `recorder.as("IngestReport", fn)` runs fn as
// that role (AsyncLocalStorage follows its awaits). The S3 stand-in keeps objects in memory, so
// the flows' code runs its real branches; iam-eval.ts turns the record into IAM requests.
import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { type AwsStub, mockClient } from "aws-sdk-client-mock";

/** One AWS API call: who made it, to which service, which operation, with what. */
export interface AwsCall {
  principal: string;
  service: string;
  operation: string;
  input: Record<string, unknown>;
  /** S3 answered 404 (which it only does for a caller who may list the bucket). */
  missing?: boolean;
}

export class Recorder {
  readonly calls: AwsCall[] = [];
  private readonly principal = new AsyncLocalStorage<string>();

  /** Run `fn` as `principal`: every call it makes, however deep, is recorded under that name. */
  as<T>(principal: string, fn: () => Promise<T>): Promise<T> {
    return this.principal.run(principal, fn);
  }

  record(service: string, operation: string, input: object, extra: Partial<AwsCall> = {}) {
    const principal = this.principal.getStore() ?? "(no role)";
    this.calls.push({ principal, service, operation, input: { ...input }, ...extra });
  }
}

type Command = { name: string };
type Handler = (input: never) => unknown;

/**
 * Answer `command` on a mocked client with `handle`, recording each call. A command no stand-in
 * answers fails the calling code, so a new call cannot slip past unrecorded.
 */
export function answer(
  rec: Recorder,
  // biome-ignore lint/suspicious/noExplicitAny: any client's stub
  stub: AwsStub<any, any, any>,
  service: string,
  handlers: [Command, Handler][],
) {
  stub.onAnyCommand().callsFake((input: object) => {
    throw new Error(`${service}: no stand-in answers this call (${JSON.stringify(input)})`);
  });
  for (const [command, handle] of handlers) {
    const operation = command.name.replace(/Command$/, "");
    stub.on(command as never).callsFake(async (input: object) => {
      try {
        const out = await handle(input as never);
        rec.record(service, operation, input);
        return out;
      } catch (err) {
        rec.record(service, operation, input, {
          missing:
            (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404,
        });
        throw err;
      }
    });
  }
}

const awsError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

async function bytes(body: unknown): Promise<Buffer> {
  if (typeof body === "string" || body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable) return buffer(body);
  throw new Error(`S3 stand-in: a body it cannot read (${typeof body})`);
}

/** An S3 bucket in memory, answering what the lake adapter (and lib-storage) send. */
export function fakeS3(rec: Recorder, bucketName: string) {
  const objects = new Map<string, { body: Buffer; modified: Date }>();
  const uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  const stub = mockClient(S3Client);
  const bucket = (input: { Bucket?: string }) => {
    if (input.Bucket !== bucketName) throw awsError("NoSuchBucket", 404);
  };
  const object = (key: string, name = "NoSuchKey") => {
    const o = objects.get(key);
    if (!o) throw awsError(name, 404);
    return o;
  };
  const put = (key: string, body: Buffer) => objects.set(key, { body, modified: new Date() });
  type In = { Bucket?: string; Key: string };

  answer(rec, stub as never, "s3", [
    [
      HeadObjectCommand,
      (i: In) => {
        bucket(i);
        const o = object(i.Key, "NotFound");
        return { ContentLength: o.body.length, LastModified: o.modified };
      },
    ],
    [
      GetObjectCommand,
      (i: In) => {
        bucket(i);
        return { Body: Readable.from([object(i.Key).body]) };
      },
    ],
    [
      PutObjectCommand,
      async (i: In & { Body: unknown; IfNoneMatch?: string }) => {
        bucket(i);
        if (i.IfNoneMatch === "*" && objects.has(i.Key)) throw awsError("PreconditionFailed", 412);
        put(i.Key, await bytes(i.Body));
        return { ETag: '"etag"' };
      },
    ],
    [
      CreateMultipartUploadCommand,
      (i: In) => {
        bucket(i);
        const id = `upload-${uploads.size + 1}`;
        uploads.set(id, { key: i.Key, parts: new Map() });
        return { UploadId: id };
      },
    ],
    [
      UploadPartCommand,
      async (i: In & { UploadId: string; PartNumber: number; Body: unknown }) => {
        uploads.get(i.UploadId)?.parts.set(i.PartNumber, await bytes(i.Body));
        return { ETag: `"part-${i.PartNumber}"` };
      },
    ],
    [
      CompleteMultipartUploadCommand,
      (i: In & { UploadId: string }) => {
        const u = uploads.get(i.UploadId);
        if (!u) throw awsError("NoSuchUpload", 404);
        put(u.key, Buffer.concat([...u.parts].sort(([a], [b]) => a - b).map(([, b]) => b)));
        uploads.delete(i.UploadId);
        return {};
      },
    ],
    [
      AbortMultipartUploadCommand,
      (i: In & { UploadId: string }) => {
        uploads.delete(i.UploadId);
        return {};
      },
    ],
    [
      CopyObjectCommand,
      (i: In & { CopySource: string }) => {
        bucket(i);
        const [srcBucket, ...key] = i.CopySource.split("/");
        bucket({ Bucket: srcBucket });
        put(i.Key, object(decodeURIComponent(key.join("/"))).body);
        return {};
      },
    ],
    [
      DeleteObjectCommand,
      (i: In) => {
        bucket(i);
        objects.delete(i.Key);
        return {};
      },
    ],
    [
      ListObjectsV2Command,
      (i: { Bucket?: string; Prefix?: string }) => {
        bucket(i);
        const keys = [...objects.keys()].filter((k) => k.startsWith(i.Prefix ?? "")).sort();
        return {
          Contents: keys.map((Key) => ({
            Key,
            Size: objects.get(Key)!.body.length,
            LastModified: objects.get(Key)!.modified,
          })),
          IsTruncated: false,
        };
      },
    ],
  ]);
  return {
    stub,
    keys: (prefix = "") => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(),
    read: (key: string) => object(key).body,
    /** What Redshift does with the COPY/UNLOAD role: read and write objects, recorded as it. */
    list: (prefix: string) => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(),
    write: put,
    /** Put an object as a client outside the platform would (an upload to inbox/). */
    upload: (key: string, body: string | Buffer) => put(key, Buffer.from(body)),
  };
}

export type FakeS3 = ReturnType<typeof fakeS3>;

/** SNS Publish and SSM GetParameter, as the notifier uses them. */
export function fakeNotifications(rec: Recorder, parameters: Record<string, string>) {
  const sns = mockClient(SNSClient);
  const ssm = mockClient(SSMClient);
  const published: { TopicArn?: string; Subject?: string }[] = [];
  answer(rec, sns as never, "sns", [
    [
      PublishCommand,
      (i: { TopicArn?: string; Subject?: string }) => {
        published.push(i);
        return { MessageId: `m-${published.length}` };
      },
    ],
  ]);
  answer(rec, ssm as never, "ssm", [
    [
      GetParameterCommand,
      (i: { Name: string }) => {
        const value = parameters[i.Name];
        if (value === undefined) throw awsError("ParameterNotFound", 400);
        return { Parameter: { Name: i.Name, Value: value } };
      },
    ],
  ]);
  return { sns, ssm, published };
}
