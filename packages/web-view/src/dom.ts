/**
 * Small DOM helpers. Text goes in through `textContent` only: nothing the server sends is ever
 * parsed as HTML.
 */

/** A new element with an optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== undefined) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Sets text and title only when they change (a live update touches only what moved). */
export function setText(e: HTMLElement, text: string, title?: string): void {
  if (e.textContent !== text) e.textContent = text;
  if (title !== undefined && e.title !== title) e.title = title;
}

/**
 * Makes `parent`'s children exactly `wanted`, in order, moving only the elements that are out of
 * place: an element that stays where it is keeps its focus.
 */
export function syncChildren(parent: Element, wanted: readonly Element[]): void {
  const keep = new Set(wanted);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  wanted.forEach((w, i) => {
    const at = parent.children[i];
    if (at !== w) parent.insertBefore(w, at ?? null);
  });
}
