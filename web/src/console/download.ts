// Save a file fetched with the key (the API's downloads need the Authorization header, so a
// plain link cannot fetch them).

import { api } from "./api";

export async function saveDownload(path: string, fallbackName: string, signal?: AbortSignal): Promise<string> {
  const { blob, filename } = await api.download(path, { signal });
  const name = filename ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
