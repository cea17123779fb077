import { useEffect, useState } from "react";
import { Link } from "../lib/router";

async function copy(text: string) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Non-secure origins have no async clipboard.
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1200);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      title={copied ? "Copied" : `${label} ${text}`}
      aria-label={`${label} ${text}`}
      onClick={(e) => {
        e.stopPropagation();
        void copy(text).then(() => setCopied(true));
      }}
      className="inline-flex size-5 items-center justify-center rounded text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700"
    >
      {copied ? (
        <svg
          viewBox="0 0 16 16"
          className="size-3.5"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          aria-hidden
        >
          <path d="M3 8.5l3 3 7-7" />
        </svg>
      ) : (
        <svg
          viewBox="0 0 16 16"
          className="size-3.5"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.5"
          aria-hidden
        >
          <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
          <path d="M10.5 3.5v-.5a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h.5" />
        </svg>
      )}
    </button>
  );
}

/** A run id: a link to the run (unless `link` is false) and a copy button. */
export function RunId({
  id,
  link = true,
  className = "",
}: {
  id: string;
  link?: boolean;
  className?: string;
}) {
  return (
    <span className={`group inline-flex items-center gap-0.5 font-mono text-[12px] ${className}`}>
      {link ? (
        <Link to={`/runs/${id}`} className="text-zinc-900 hover:text-sky-700 hover:underline">
          {id}
        </Link>
      ) : (
        <span>{id}</span>
      )}
      <CopyButton text={id} label="Copy" />
    </span>
  );
}
