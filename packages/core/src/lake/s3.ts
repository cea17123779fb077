// The lake in S3: the same keys as the local folder, in one bucket. Reads stream; writes stream
// through multipart upload, so a file never has to fit in a Lambda's memory.
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { awsClientConfig, errorName, isNotFound, lazyClient } from "../util/aws";
import { VisibleError } from "../util/error";
import { withUniqueId } from "../util/unique-key";
import { type Body, checkKey, type ObjectInfo, type ObjectStore } from "./lake";

export const s3Client = lazyClient(() => new S3Client(awsClientConfig));

/** CopyObject copies up to 5 GiB in one call; larger objects are copied part by part. */
const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const COPY_PART = 512 * 1024 ** 2;

export function s3Lake(bucket: string, client: S3Client = s3Client()): ObjectStore {
  const copySource = (key: string) => `${bucket}/${encodeURIComponent(key).replace(/%2F/g, "/")}`;

  async function head(key: string) {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async function upload(key: string, body: Body, extra: { IfNoneMatch?: string } = {}) {
    checkKey(key);
    const source =
      typeof body === "string" || Buffer.isBuffer(body) || body instanceof Readable
        ? body
        : Readable.from(body);
    // Single PutObject below one part (8 MiB), multipart above; an error mid-stream aborts
    // the upload, so a half-written object never appears.
    const transfer = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: source, ...extra },
      partSize: 8 * 1024 ** 2,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await transfer.done();
  }

  async function copy(from: string, to: string) {
    const info = await head(from);
    if (!info) throw notFound(from);
    const size = info.ContentLength ?? 0;
    if (size <= MAX_SINGLE_COPY) {
      await client.send(
        new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource(from) }),
      );
      return;
    }
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: to }),
    );
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += COPY_PART, n++) {
        const end = Math.min(start + COPY_PART, size) - 1;
        const part = await client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: to,
            UploadId,
            PartNumber: n,
            CopySource: copySource(from),
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ ETag: part.CopyPartResult?.ETag ?? "", PartNumber: n });
      }
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: to,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId }))
        .catch(() => {});
      throw err;
    }
  }

  const notFound = (key: string) =>
    new VisibleError("not_found", "lake.not_found", `no object ${key} in s3://${bucket}`);

  return {
    put: (key, body: Body) => upload(key, body),
    async putNew(key, body: Body) {
      // A taken name gets a unique id, and If-None-Match makes S3 refuse a name taken meanwhile.
      const target = (await head(checkKey(key))) ? withUniqueId(key) : key;
      try {
        await upload(target, body, { IfNoneMatch: "*" });
      } catch (err) {
        if (errorName(err) !== "PreconditionFailed") throw err;
        throw new VisibleError(
          "conflict",
          "lake.name_taken",
          `another upload took ${target} at the same moment: send the file again`,
        );
      }
      return target;
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: checkKey(key) }));
        return res.Body as Readable;
      } catch (err) {
        if (isNotFound(err)) throw notFound(key);
        throw err;
      }
    },
    async exists(key) {
      return (await head(checkKey(key))) !== null;
    },
    async move(from, to) {
      checkKey(from);
      checkKey(to);
      if (from === to) return;
      await copy(from, to);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: from }));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkKey(key) }));
    },
    async list(prefix) {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith("/")) continue; // console-made "folders" are not objects
          out.push({ key: o.Key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
    locate: (key) => `s3://${bucket}/${key}`,
  };
}
