import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A view whose code loads when it is first shown: Vite makes it a chunk of its own, so the first
 * view (sign-in, the overview) does not carry every tab's JavaScript. A chunk that fails to load
 * (a deploy replaced it, the network dropped) says so; the next visit to the view tries again.
 */
export function lazyView<Props extends object>(
  load: () => Promise<ComponentType<Props>>,
): ComponentType<Props> {
  let loaded: ComponentType<Props> | undefined;
  let loading: Promise<string | undefined> | undefined;
  return function LazyView(props: Props) {
    const [failure, setFailure] = useState<string | undefined>();
    const [, setReady] = useState(false);
    useEffect(() => {
      if (loaded) return;
      let shown = true;
      loading ??= load().then(
        (view) => {
          loaded = view;
          return undefined;
        },
        (error: unknown) => {
          loading = undefined;
          return error instanceof Error ? error.message : String(error);
        },
      );
      loading.then((message) => {
        if (!shown) return;
        if (message === undefined) setReady(true);
        else setFailure(message);
      });
      return () => {
        shown = false;
      };
    }, []);
    if (loaded) {
      const View = loaded;
      return <View {...props} />;
    }
    if (failure !== undefined) {
      return (
        <p class="error" role="alert">
          This page could not be loaded ({failure}): reload to try again.
        </p>
      );
    }
    return <p class="loading">Loading…</p>;
  };
}
