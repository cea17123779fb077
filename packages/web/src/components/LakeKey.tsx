// A key in the data lake, copyable. There is no download endpoint: locally the object is the
// file `<data-dir>/lake/<key>`, deployed it is s3://<DataLake bucket>/<key>.
import { CopyButton } from "./CopyId";

export function LakeKey({ value, wrap = false }: { value: string; wrap?: boolean }) {
  const slash = value.lastIndexOf("/");
  return (
    <span
      className={`inline-flex max-w-full min-w-0 gap-0.5 font-mono text-[12px] ${wrap ? "items-start" : "items-center"}`}
    >
      <span className={`min-w-0 ${wrap ? "[overflow-wrap:anywhere]" : "truncate"}`} title={value}>
        <span className="text-zinc-400">
          {/* Wrapping lines break after a slash before they break inside a name. */}
          {value
            .slice(0, slash + 1)
            .split("/")
            .filter(Boolean)
            .map((part, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: fixed split of one key
              <span key={i}>
                {part}/<wbr />
              </span>
            ))}
        </span>
        {/* A unit: it moves to the next line whole, and breaks inside only when longer than one. */}
        <span className="inline-block max-w-full text-zinc-800">{value.slice(slash + 1)}</span>
      </span>
      <CopyButton text={value} label="Copy key" />
    </span>
  );
}

export const fileName = (key: string) => key.slice(key.lastIndexOf("/") + 1);
