// The camera QR scanner, a progressive enhancement: the browser's BarcodeDetector where it has
// one, else jsQR on video frames. Without a camera (or permission) staff type the code.
import jsQR from 'jsqr';
import { useEffect, useRef, useState } from 'react';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
declare global {
  interface Window {
    BarcodeDetector?: new (options: { formats: string[] }) => BarcodeDetectorLike;
  }
}

export function cameraScanSupported(): boolean {
  return typeof navigator !== 'undefined' && Boolean(navigator.mediaDevices?.getUserMedia);
}

/**
 * The same code again within this long is the same ticket still in front of the camera, not a
 * second entry; a real second try by hand still gets its red answer.
 */
const REPEAT_QUIET_MS = 30_000;

export function CameraScanner({
  onCode,
  onClose,
  paused,
}: {
  onCode: (code: string) => void;
  onClose: () => void;
  paused: boolean;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string>();
  const last = useRef<{ code: string; at: number }>({ code: '', at: 0 });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  // The camera starts once; the latest callback is read through a ref.
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;

  useEffect(() => {
    let stream: MediaStream | undefined;
    let frame = 0;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const detector = window.BarcodeDetector
      ? new window.BarcodeDetector({ formats: ['qr_code'] })
      : undefined;

    const found = (code: string) => {
      const now = Date.now();
      if (code === last.current.code && now - last.current.at < REPEAT_QUIET_MS) return;
      last.current = { code, at: now };
      onCodeRef.current(code);
    };
    const scan = async () => {
      if (stopped) return;
      const element = video.current;
      if (element && element.readyState >= 2 && !pausedRef.current) {
        try {
          if (detector) {
            const [barcode] = await detector.detect(element);
            if (barcode) found(barcode.rawValue);
          } else if (context) {
            canvas.width = element.videoWidth;
            canvas.height = element.videoHeight;
            context.drawImage(element, 0, 0);
            const image = context.getImageData(0, 0, canvas.width, canvas.height);
            const result = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
            if (result?.data) found(result.data);
          }
        } catch {
          // A frame that cannot be read: try the next one.
        }
      }
      frame = window.setTimeout(() => void scan(), 200);
    };

    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(async (media) => {
        stream = media;
        if (stopped) {
          for (const track of media.getTracks()) track.stop();
          return;
        }
        if (video.current) {
          video.current.srcObject = media;
          await video.current.play().catch(() => undefined);
        }
        void scan();
      })
      .catch((reason: unknown) =>
        setError(
          `The camera is not available (${reason instanceof Error ? reason.message : String(reason)}). Type the code instead.`,
        ),
      );
    return () => {
      stopped = true;
      window.clearTimeout(frame);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, []);

  return (
    <div className="camera">
      {error ? (
        <p className="field-error">{error}</p>
      ) : (
        <video ref={video} muted playsInline aria-label="Camera view" />
      )}
      <button type="button" className="button secondary wide" onClick={onClose}>
        Stop the camera
      </button>
    </div>
  );
}
