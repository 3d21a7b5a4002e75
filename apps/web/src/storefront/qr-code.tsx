// A ticket's QR code, drawn in the browser from the signed code the order answer carries,
// so it shows offline too.
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

export function QrCode({ code, label }: { code: string; label: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let current = true;
    QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
      .then((svg) => {
        if (current) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      })
      .catch(() => setSrc(undefined));
    return () => {
      current = false;
    };
  }, [code]);
  return src ? (
    <img className="qr" src={src} alt={`QR code of ${label}`} />
  ) : (
    <div className="qr qr-placeholder" aria-hidden="true" />
  );
}
