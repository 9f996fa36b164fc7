/**
 * Consent (FHIR R4): does an active Consent in the data deny the use of patient-generated or device data?
 * https://hl7.org/fhir/R4/consent.html
 */
import { asArray, asObject, asString, type JsonObject } from './fhir-read';
import { parseFhirTime } from './time';

/** Scopes that govern clinical use (R4 consent-scope); a `research` or `adr` consent does not govern CDS. */
const CLINICAL_SCOPES = new Set(['patient-privacy', 'treatment']);
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
/** Resource types that carry wearable data; a provision whose `class` names one of them covers sensor data. */
const DEVICE_DATA_TYPES = new Set(['Observation', 'Device', 'DeviceMetric']);

/**
 * The reason sensor data may not be used, or `undefined` when no Consent denies it. A Consent denies sensor data when
 * it is `active`, its scope is clinical (or absent), and the innermost provision that covers device data (no `class`
 * restriction, or a `class` of Observation/Device/DeviceMetric) and is in force at `at` has `type: deny`. Nested
 * provisions are exceptions to their parent, as R4 defines. Actors and purposes are not narrowed: a denial to anyone
 * is honoured. See README "Consent".
 */
export function sensorConsentDenial(resources: readonly JsonObject[], at: number): string | undefined {
  for (const consent of resources) {
    if (consent.resourceType !== 'Consent' || consent.status !== 'active') continue;
    const scopes = asArray(asObject(consent.scope)?.coding).map((c) => asString(asObject(c)?.code));
    if (scopes.length > 0 && !scopes.some((code) => code !== undefined && CLINICAL_SCOPES.has(code)))
      continue;
    const decision = decide(asObject(consent.provision), undefined, at);
    if (decision === 'deny') {
      return `Consent${typeof consent.id === 'string' ? `/${consent.id}` : ''} denies use of device/patient-generated data`;
    }
  }
  return undefined;
}

function decide(
  provision: JsonObject | undefined,
  inherited: string | undefined,
  at: number,
): string | undefined {
  if (!provision || !inForce(provision, at) || !coversDeviceData(provision)) return inherited;
  let decision = asString(provision.type) ?? inherited;
  for (const nested of asArray(provision.provision)) decision = decide(asObject(nested), decision, at);
  return decision;
}

function coversDeviceData(provision: JsonObject): boolean {
  const classes = asArray(provision.class).map(asObject);
  if (classes.length === 0) return true;
  return classes.some((c) => {
    const code = asString(c?.code);
    const system = asString(c?.system);
    return (
      code !== undefined && (system === undefined || system === RESOURCE_TYPES) && DEVICE_DATA_TYPES.has(code)
    );
  });
}

function inForce(provision: JsonObject, at: number): boolean {
  const period = asObject(provision.period);
  const startText = asString(period?.start);
  const endText = asString(period?.end);
  const start = startText === undefined ? undefined : parseFhirTime(startText);
  const end = endText === undefined ? undefined : parseFhirTime(endText);
  return (start === undefined || start.start <= at) && (end === undefined || at <= end.end);
}
