import { afterEach } from "vitest";
import { cleanup, configure } from "@testing-library/react";

// CI shares two cores with the Rust build: give async queries more than the default second.
configure({ asyncUtilTimeout: 5000 });
afterEach(() => cleanup());
