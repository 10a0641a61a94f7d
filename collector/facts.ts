/** A value that was looked at and not used, and why. */
export interface RejectedValue {
  /** Spec source id, e.g. `dmi:product_serial`, `override`. */
  readonly source: string;
  /** The value as read. */
  readonly raw: string;
  readonly reason: string;
  /** The spec entry that made it invalid. */
  readonly rule?: string;
}

/** A source that could not be read at all. */
export interface UnreadSource {
  readonly source: string;
  readonly path: string;
  /** `missing` (no such file) or `unreadable` (permission or I/O error). */
  readonly reason: 'missing' | 'unreadable' | 'failed';
}

/** Where a collected value came from: every value carries this. */
export interface Provenance {
  /** Spec source id: `override`, `dmi:product_serial`, `default-route-ipv4`, `fallback`, … or `none`. */
  readonly source: string;
  /** Version of the collection spec applied. */
  readonly specVersion: string;
  /** File the value was read from, as a path on the machine. */
  readonly path?: string;
}

/**
 * The serial number. When no source gives a valid serial, `value` is null, `source` is
 * `none`, `code` is `CMDB-ENV-NO_VALID_SN` and `reason` says whether every value was a
 * placeholder, nothing was readable, or nothing was there: the collector never invents one.
 */
export interface SerialFact extends Provenance {
  readonly value: string | null;
  /** The value as read, before normalisation. */
  readonly raw?: string;
  /** Normalisation applied: `vmware`, `hyperv`, `case-fold`, `trim`. */
  readonly normalization?: string;
  readonly reason?: 'placeholder' | 'unreadable' | 'absent';
  readonly code?: 'CMDB-ENV-NO_VALID_SN';
  readonly rejected: readonly RejectedValue[];
  readonly unread: readonly UnreadSource[];
}

/** One address found on an interface. */
export interface InterfaceAddress {
  readonly iface: string;
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly prefixLength?: number;
}

/**
 * The primary IP. `source` is `override`, `default-route-ipv4`, `default-route-ipv6` or
 * `fallback`; with no usable address `value` is null, `source` is `none` and `code` is
 * `CMDB-ENV-NO_PRIMARY_IP`.
 */
export interface IpFact extends Provenance {
  readonly value: string | null;
  readonly family?: 'ipv4' | 'ipv6';
  readonly iface?: string;
  /** Metric of the chosen default route. */
  readonly metric?: number;
  readonly code?: 'CMDB-ENV-NO_PRIMARY_IP';
  readonly rejected: readonly RejectedValue[];
}

/** A plain string fact (hostname, platform). */
export interface TextFact extends Provenance {
  readonly value: string | null;
}

/** Everything one collection run found, each value with its provenance. */
export interface CollectedFacts {
  readonly specVersion: string;
  readonly sn: SerialFact;
  readonly ip: IpFact;
  readonly hostname: TextFact;
  /** Virtual platform (`vmware`, `hyperv`, `kvm`, …) or null for bare metal / unknown. */
  readonly platform: TextFact;
  /** Every usable address on every non-excluded interface, so a CMDB IP on a secondary NIC can be told apart. */
  readonly addresses: readonly InterfaceAddress[];
  /** Interfaces skipped by the spec's exclusions, with the reason. */
  readonly excludedInterfaces: readonly { readonly iface: string; readonly reason: string }[];
}
