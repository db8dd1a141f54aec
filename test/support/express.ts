/**
 * Every middleware test runs on Express 5 and on Express 4 (the `express4` alias).
 */
import express5 from 'express';
import express4 from 'express4';
import type { Express } from 'express';

export interface ExpressFlavor {
  name: 'express5' | 'express4';
  create(): Express;
}

export const EXPRESS_FLAVORS: readonly ExpressFlavor[] = [
  { name: 'express5', create: () => express5() },
  { name: 'express4', create: () => express4() },
];

/** `describe` once per Express major version. */
export function forEachExpress(title: string, body: (flavor: ExpressFlavor) => void): void {
  for (const flavor of EXPRESS_FLAVORS) {
    describe(`${title} [${flavor.name}]`, () => body(flavor));
  }
}
