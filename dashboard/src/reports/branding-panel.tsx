import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { useRequest } from '../use-request.ts';
import type { Branding } from './report-data.ts';

/** As the server allows (src/reports/logo-image.ts): it checks the content, this only saves a round trip. */
const MAX_LOGO_BYTES = 128 * 1024;
const LOGO_TYPES = 'image/png,image/jpeg,image/webp';

type Status =
  | { state: 'idle' }
  | { state: 'busy' }
  | { state: 'saved'; what: string }
  | { state: 'failed'; message: string };

/** A file's content as base64, without the `data:…;base64,` prefix a data URL carries. */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The agency's name and logo on reports and their mails. Owners and admins. */
export function BrandingPanel(props: { api: Api }) {
  const [version, setVersion] = useState(0);
  const loaded = useRequest(`branding ${version}`, () => props.api.get<Branding>('/api/agency/branding'));
  const [name, setName] = useState<string>();
  const [status, setStatus] = useState<Status>({ state: 'idle' });

  async function run(what: string, action: () => Promise<unknown>) {
    setStatus({ state: 'busy' });
    try {
      await action();
      setStatus({ state: 'saved', what });
      setVersion((current) => current + 1);
    } catch (error) {
      setStatus({ state: 'failed', message: messageOf(error) });
    }
  }

  async function upload(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (file === undefined) return;
    if (file.size > MAX_LOGO_BYTES) {
      setStatus({
        state: 'failed',
        message: `The logo may be at most ${MAX_LOGO_BYTES / 1024} KB; this file has ${Math.ceil(file.size / 1024)} KB.`,
      });
      return;
    }
    await run('Logo uploaded.', async () =>
      props.api.post('/api/agency/branding/logo', { image: await base64Of(file) }),
    );
  }

  return (
    <section class="panel report-branding" aria-labelledby="report-branding-title">
      <h2 id="report-branding-title">Your agency on reports</h2>
      {loaded.state === 'loading' && <p class="loading">Loading…</p>}
      {loaded.state === 'failed' && (
        <p class="error" role="alert">
          The branding could not be loaded: {loaded.message}
        </p>
      )}
      {loaded.state === 'done' && (
        <>
          <form
            class="report-form"
            onSubmit={(event) => {
              event.preventDefault();
              const displayName = (name ?? loaded.value.displayName ?? '').trim();
              void run('Name saved.', () =>
                props.api.patch('/api/agency/branding', {
                  displayName: displayName === '' ? null : displayName,
                }),
              );
            }}
          >
            <label>
              Name on reports
              <input
                type="text"
                maxLength={120}
                placeholder={loaded.value.agencyName}
                value={name ?? loaded.value.displayName ?? ''}
                onInput={(event) => setName(event.currentTarget.value)}
              />
            </label>
            <div class="report-actions">
              <button type="submit" disabled={status.state === 'busy'}>
                Save name
              </button>
            </div>
          </form>
          <div class="report-logo-field">
            {loaded.value.logoUrl === null ? (
              <p class="muted">No logo yet: reports show the name alone.</p>
            ) : (
              <img class="report-logo" src={loaded.value.logoUrl} alt="Current logo" />
            )}
            <label>
              Logo (PNG, JPEG or WebP, at most {MAX_LOGO_BYTES / 1024} KB)
              <input
                type="file"
                accept={LOGO_TYPES}
                disabled={status.state === 'busy'}
                onChange={(event) => void upload(event.currentTarget)}
              />
            </label>
            {loaded.value.logoUrl !== null && (
              <button
                type="button"
                disabled={status.state === 'busy'}
                onClick={() => void run('Logo removed.', () => props.api.delete('/api/agency/branding/logo'))}
              >
                Remove logo
              </button>
            )}
          </div>
          {status.state === 'saved' && (
            <p class="notice" role="status">
              {status.what}
            </p>
          )}
          {status.state === 'failed' && (
            <p class="error" role="alert">
              {status.message}
            </p>
          )}
        </>
      )}
    </section>
  );
}
