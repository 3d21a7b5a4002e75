// Check-in at the door (STAFF): a code typed or scanned gets a large green or red answer; a
// ticket scanned before says when. The camera scanner is offered where the browser can do it.
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { api } from '../api/client';
import { ApiProblem } from '../api/problem';
import type { CheckinResult } from '../api/types';
import { Field, PageTitle, problemText } from '../ui/components';
import { formatTime } from '../ui/format';
import { CameraScanner, cameraScanSupported } from './camera-scanner';

type Verdict =
  | { kind: 'admitted'; result: CheckinResult }
  | { kind: 'refused'; title: string; detail: string; firstScannedAt?: string };

/** The answer staff read from arm's length: what to do, then why. */
export function verdictOf(error: unknown): Verdict {
  if (error instanceof ApiProblem) {
    const first = typeof error.body.firstScannedAt === 'string' ? error.body.firstScannedAt : undefined;
    if (error.code === 'already_checked_in')
      return {
        kind: 'refused',
        title: 'Already scanned',
        detail: error.message,
        ...(first && { firstScannedAt: first }),
      };
    if (error.status === 0) return { kind: 'refused', title: 'No connection', detail: error.message };
    return { kind: 'refused', title: 'Do not admit', detail: error.message };
  }
  return { kind: 'refused', title: 'Do not admit', detail: problemText(error) };
}

export function CheckinPage() {
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState<Verdict>();
  const [scanning, setScanning] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const check = useMutation({
    mutationFn: (ticketCode: string) => api.checkIn(ticketCode),
    onSuccess: (result) => setVerdict({ kind: 'admitted', result }),
    onError: (error) => setVerdict(verdictOf(error)),
    onSettled: () => {
      setCode('');
      input.current?.focus();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (code.trim()) check.mutate(code.trim());
  };

  return (
    <section className="page narrow checkin-page">
      <PageTitle>Check-in</PageTitle>
      <div aria-live="assertive" aria-atomic="true">
        {verdict?.kind === 'admitted' && (
          <div className="verdict verdict-ok" data-verdict="admitted">
            <p className="verdict-title">✔ Admit</p>
            <p>{verdict.result.label}</p>
            <p className="small">{verdict.result.category ?? verdict.result.ticketTypeName}</p>
          </div>
        )}
        {verdict?.kind === 'refused' && (
          <div className="verdict verdict-no" data-verdict="refused">
            <p className="verdict-title">✖ {verdict.title}</p>
            {verdict.firstScannedAt && <p>First scanned at {formatTime(verdict.firstScannedAt)}</p>}
            <p className="small">{verdict.detail}</p>
          </div>
        )}
      </div>
      {cameraScanSupported() && (
        <div className="scanner">
          {scanning ? (
            <CameraScanner
              paused={check.isPending}
              onCode={(scanned) => check.mutate(scanned)}
              onClose={() => setScanning(false)}
            />
          ) : (
            <button type="button" className="button primary wide" onClick={() => setScanning(true)}>
              Scan with the camera
            </button>
          )}
        </div>
      )}
      <form onSubmit={submit}>
        <Field label="Ticket code" hint="Type or paste the code printed under the QR code">
          {(props) => (
            <textarea
              {...props}
              ref={input}
              rows={3}
              value={code}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => setCode(event.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="button primary wide" disabled={check.isPending || !code.trim()}>
          {check.isPending ? 'Checking…' : 'Check ticket'}
        </button>
      </form>
    </section>
  );
}
