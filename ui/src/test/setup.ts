import { afterEach } from "vitest";
import { cleanup, configure } from "@testing-library/react";

// CI shares two cores with the Rust build: give async queries more than the default second.
configure({ asyncUtilTimeout: 5000 });
afterEach(() => cleanup());

// jsdom keeps scrollTop but has no Element.scrollTo, which virtualised lists call to bring a
// row into view: set the offset and send the scroll event a browser would send.
if (!Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function scrollTo(this: Element, options?: ScrollToOptions | number) {
    if (typeof options === "object" && options.top !== undefined) this.scrollTop = options.top;
    this.dispatchEvent(new Event("scroll"));
  } as Element["scrollTo"];
}
