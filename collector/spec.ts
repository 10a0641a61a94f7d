import specV1Json from './spec/v1.json' with { type: 'json' };

/** One place a serial may be read from. */
export interface SerialSourceSpec {
  /** Provenance name recorded on the value, e.g. `dmi:product_serial`. */
  readonly id: string;
  /** `file`: read one file under the root; `dmidecode`: parse dmidecode output. */
  readonly kind: 'file' | 'dmidecode';
  /** Absolute path under the root (kind `file`). */
  readonly path?: string;
  /** Where captured dmidecode output is read from under a non-`/` root (kind `dmidecode`). */
  readonly capturedPath?: string;
  /** Consult this source only when none of the sysfs DMI files could be read. */
  readonly onlyWhenSysfsUnreadable?: boolean;
  /** dmidecode records and keys to read, in order (kind `dmidecode`). */
  readonly sections?: readonly { readonly handle: string; readonly key: string; readonly as: string }[];
  /** Where this rule comes from. */
  readonly source: string;
}

/** A literal placeholder serial. */
export interface PlaceholderExact {
  readonly value: string;
  readonly source: string;
}

/** A placeholder pattern, matched against the folded value (anchored by the spec author). */
export interface PlaceholderPattern {
  readonly regex: string;
  readonly reason: string;
  readonly source: string;
}

/** A serial rewrite for a family of virtual machines. */
export interface SerialNormalizeRule {
  readonly id: string;
  /** Case-insensitive regex over the trimmed value. */
  readonly match: string;
  readonly form: string;
  readonly source: string;
}

/** An interface-name exclusion. */
export interface InterfaceExclude {
  readonly regex: string;
  readonly source: string;
}

/** An address range that never counts as a host's IP. */
export interface AddressExclude {
  readonly cidr: string;
  readonly source: string;
}

/** A rule recognising a virtual platform from DMI vendor/product strings. */
export interface PlatformRule {
  readonly kind: string;
  readonly sysVendor?: string;
  readonly productName?: string;
  readonly source: string;
}

/** The whole collection spec: versioned data the collector applies in order. */
export interface CollectionSpec {
  readonly version: string;
  readonly serial: {
    readonly sources: readonly SerialSourceSpec[];
    readonly placeholders: {
      readonly exact: readonly PlaceholderExact[];
      readonly patterns: readonly PlaceholderPattern[];
      readonly rejectControlCharacters: boolean;
    };
    readonly normalize: readonly SerialNormalizeRule[];
    readonly caseFold: 'upper' | 'none';
  };
  readonly ip: {
    readonly overridePath: string;
    readonly routes: { readonly ipv4: { readonly path: string }; readonly ipv6: { readonly path: string } };
    readonly addresses: { readonly ipv4: { readonly path: string }; readonly ipv6: { readonly path: string } };
    readonly preferFamily: 'ipv4' | 'ipv6';
    readonly excludeInterfaces: readonly InterfaceExclude[];
    readonly excludeBondSlaves: boolean;
    readonly excludeAddresses: readonly AddressExclude[];
  };
  readonly hostname: { readonly sources: readonly { readonly id: string; readonly path: string; readonly source: string }[] };
  readonly platform: {
    readonly paths: { readonly sysVendor: string; readonly productName: string };
    readonly rules: readonly PlatformRule[];
  };
}

/** Spec v1, as shipped in `collector/spec/v1.json`. */
export const specV1 = specV1Json as unknown as CollectionSpec;

/** Every published spec by version; the newest is the default. */
export const SPECS: Readonly<Record<string, CollectionSpec>> = { v1: specV1 };

/** The spec the collector applies unless told otherwise. */
export const CURRENT_SPEC: CollectionSpec = specV1;
