import type { Portal } from './state';

/** HubSpot-defined association type ids (v4): contact→company primary 1 / unlabeled 279; company→contact 2 / 280. */
export const ASSOC = { contactToCompanyPrimary: 1, contactToCompany: 279, companyToContactPrimary: 2, companyToContact: 280 } as const;

function link(map: Map<string, Map<string, Set<number>>>, from: string, to: string, typeId: number) {
  let m = map.get(from);
  if (!m) map.set(from, (m = new Map()));
  let s = m.get(to);
  if (!s) m.set(to, (s = new Set()));
  s.add(typeId);
}

/** Associates a contact with a company (both directions); primary also sets associatedcompanyid. */
export function associate(portal: Portal, contactId: string, companyId: string, primary: boolean): void {
  const a = portal.associations;
  link(a.contactToCompanies, contactId, companyId, ASSOC.contactToCompany);
  link(a.companyToContacts, companyId, contactId, ASSOC.companyToContact);
  if (primary) {
    // One primary company per contact: demote any previous one.
    for (const [cid, types] of a.contactToCompanies.get(contactId) ?? []) {
      if (cid !== companyId && types.delete(ASSOC.contactToCompanyPrimary)) {
        a.companyToContacts.get(cid)?.get(contactId)?.delete(ASSOC.companyToContactPrimary);
      }
    }
    link(a.contactToCompanies, contactId, companyId, ASSOC.contactToCompanyPrimary);
    link(a.companyToContacts, companyId, contactId, ASSOC.companyToContactPrimary);
    const rec = portal.objects.contacts.get(contactId);
    if (rec) rec.properties.associatedcompanyid = companyId;
  }
}

export function dissociate(portal: Portal, contactId: string, companyId: string): void {
  const a = portal.associations;
  a.contactToCompanies.get(contactId)?.delete(companyId);
  a.companyToContacts.get(companyId)?.delete(contactId);
  const rec = portal.objects.contacts.get(contactId);
  if (rec?.properties.associatedcompanyid === companyId) delete rec.properties.associatedcompanyid;
}

export function associationsOf(portal: Portal, fromType: 'companies' | 'contacts', id: string): Map<string, Set<number>> {
  const a = portal.associations;
  return (fromType === 'contacts' ? a.contactToCompanies : a.companyToContacts).get(id) ?? new Map();
}

export function v3AssociationType(fromType: 'companies' | 'contacts', typeId: number): string {
  if (fromType === 'contacts') return typeId === ASSOC.contactToCompanyPrimary ? 'contact_to_company' : 'contact_to_company_unlabeled';
  return typeId === ASSOC.companyToContactPrimary ? 'company_to_contact' : 'company_to_contact_unlabeled';
}
