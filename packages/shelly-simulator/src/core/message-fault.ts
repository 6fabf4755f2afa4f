/** What happens to one metering message (numeric for the hot path). */
export const MessageFault = {
  none: 0,
  zero: 1,
  spike: 2,
  duplicate: 3,
  reorder: 4,
  truncated: 5,
  wrongType: 6,
  garbage: 7,
} as const;

/** One of the {@link MessageFault} codes. */
export type MessageFaultCode = (typeof MessageFault)[keyof typeof MessageFault];

/** Which payload a builder produces: the real values, zeros, a spike, or a field of the wrong JSON type. */
export const Variant = { normal: 0, zero: 1, spike: 2, wrongType: 3 } as const;

/** One of the {@link Variant} codes. */
export type VariantCode = (typeof Variant)[keyof typeof Variant];

/** The builder variant for a message fault (truncation and garbage are applied afterwards). */
export function variantOf(fault: MessageFaultCode): VariantCode {
  switch (fault) {
    case MessageFault.zero:
      return Variant.zero;
    case MessageFault.spike:
      return Variant.spike;
    case MessageFault.wrongType:
      return Variant.wrongType;
    default:
      return Variant.normal;
  }
}

/** Counter jump of a spike, Wh: implausible for any meter for centuries (1 TWh). */
export const SPIKE_ENERGY_WH = 1_000_000_000;

/** Power jump of a spike, W. */
export const SPIKE_POWER_W = 1_000_000;
