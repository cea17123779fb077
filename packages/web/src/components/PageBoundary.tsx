// A page loaded on demand can fail to arrive (a deploy replaced its chunk, the network dropped):
// say so in the page's place instead of blanking the whole console.
import { Component, type ReactNode } from "react";
import { Button, ErrorState, Panel, Spinner } from "./ui";

export class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Panel className="mx-auto max-w-[1400px]">
        <ErrorState title="Couldn't load this page" error={this.state.error} />
        <div className="-mt-8 flex justify-center pb-8">
          <Button onClick={() => window.location.reload()}>Reload the console</Button>
        </div>
      </Panel>
    );
  }
}

export function PageLoading({ label }: { label: string }) {
  return (
    <div
      role="status"
      aria-label={label}
      className="mx-auto flex max-w-[1400px] items-center gap-2 py-3 text-zinc-500"
    >
      <Spinner /> {label}…
    </div>
  );
}
