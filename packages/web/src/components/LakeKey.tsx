// A key in the data lake, copyable. There is no download endpoint: locally the object is the
// file `<data-dir>/lake/<key>`, deployed it is s3://<DataLake bucket>/<key>.
import { CopyButton } from "./CopyId";

export function LakeKey({ value, wrap = false }: { value: string; wrap?: boolean }) {
  const slash = value.lastIndexOf("/");
  return (
    <span
      className={`inline-flex max-w-full min-w-0 gap-0.5 font-mono text-[12px] ${wrap ? "items-start" : "items-center"}`}
    >
      <span className={`min-w-0 ${wrap ? "break-all" : "truncate"}`} title={value}>
        <span className="text-zinc-400">{value.slice(0, slash + 1)}</span>
        <span className="text-zinc-800">{value.slice(slash + 1)}</span>
      </span>
      <CopyButton text={value} label="Copy key" />
    </span>
  );
}

export const fileName = (key: string) => key.slice(key.lastIndexOf("/") + 1);
