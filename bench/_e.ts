import { emailConfidence } from '../server/contacts/email-confidence';
for (const x of [
 { email: 'jane.doe@acme.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' },
 { email: 'jdoe@acme.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'https://www.acme.com' },
 { email: 'jane@acme.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' },
 { email: 'info@acme.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' },
 { email: 'jane.doe@gmail.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' },
 { email: 'x@mailinator.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' },
 { email: 'not-an-email', firstname: 'Jane', lastname: 'Doe' },
 { email: 'jose.garcia@empresa.es', firstname: 'José', lastname: 'García', companyDomain: 'empresa.es' },
 { email: 'jane.doe@other.com', firstname: 'Jane', lastname: 'Doe', companyDomain: 'acme.com' },
]) console.log(x.email, JSON.stringify(emailConfidence(x)));
