/** The begin and end comments around a generated block of a Markdown file. */
export interface BlockMarkers {
  readonly begin: string;
  readonly end: string;
}

/** `text` with the content between the markers replaced; throws, naming the file, when it has no such block. */
export function replaceBlock(text: string, markers: BlockMarkers, content: string, file: string): string {
  const start = text.indexOf(markers.begin);
  const end = text.indexOf(markers.end);
  if (start < 0 || end < start) throw new Error(`${file}: no ${markers.begin} ... ${markers.end} block`);
  return `${text.slice(0, start + markers.begin.length)}\n${content}\n${text.slice(end)}`;
}
