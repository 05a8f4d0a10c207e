import type { DocumentationType } from '../documentation-requests/documentation-requests.details.ts';
import type { DocumentationState } from '../documentation-requests/documentation-requests.states.ts';

export type Language = 'en' | 'es';
export const LANGUAGES = ['en', 'es'] as const satisfies readonly Language[];

/** The procedure's name as a national knows it. */
export const TYPE_NAMES: Record<DocumentationType, Record<Language, string>> = {
  passport: { en: 'Passport', es: 'Pasaporte' },
  consular_id: { en: 'Consular ID (matrícula consular)', es: 'Matrícula consular' },
  birth_registration: { en: 'Birth registration', es: 'Registro de nacimiento' },
  gender_identity_recognition: {
    en: 'Recognition of gender identity',
    es: 'Reconocimiento de identidad de género',
  },
  notarial_act: { en: 'Notarial act', es: 'Acto notarial' },
  legalization: { en: 'Legalization of documents', es: 'Legalización de documentos' },
};

/**
 * Where a type's next step differs from the general one: a notarial act ends
 * in its testimonio, a legalization returns the national's own documents.
 */
const TYPE_TEXTS: Partial<
  Record<DocumentationType, Partial<Record<DocumentationState, Record<Language, { status: string; nextStep: string }>>>>
> = {
  notarial_act: {
    approved: {
      en: {
        status: 'Approved',
        nextStep: 'Your notarial act was approved. The consulate will tell you when to come and sign it in person.',
      },
      es: {
        status: 'Aprobada',
        nextStep: 'Su acto notarial fue aprobado. El consulado le indicará cuándo acudir a firmarlo en persona.',
      },
    },
    issued: {
      en: {
        status: 'Ready for pick-up',
        nextStep:
          'Your testimonio (certified copy of the act) is ready. Come to the counter with an ID and your reference number.',
      },
      es: {
        status: 'Listo para recoger',
        nextStep: 'Su testimonio está listo. Acuda a la ventanilla con una identificación y su número de referencia.',
      },
    },
  },
  legalization: {
    issued: {
      en: {
        status: 'Ready for pick-up',
        nextStep: 'Your legalized documents are ready. Come to the counter with an ID and your reference number.',
      },
      es: {
        status: 'Listo para recoger',
        nextStep:
          'Sus documentos legalizados están listos. Acuda a la ventanilla con una identificación y su número de referencia.',
      },
    },
  },
};

/** The state and next step a national reads for a request of `type` in `state`. */
export function statusText(type: DocumentationType, state: DocumentationState, language: Language) {
  return (TYPE_TEXTS[type]?.[state] ?? STATUS_TEXTS[state])[language];
}

/** What a national reads at the kiosk: the state and the next step, in plain words. */
export const STATUS_TEXTS: Record<DocumentationState, Record<Language, { status: string; nextStep: string }>> = {
  submitted: {
    en: {
      status: 'Received',
      nextStep: 'We received your request. An officer will review it; you do not need to do anything now.',
    },
    es: {
      status: 'Recibida',
      nextStep: 'Recibimos su solicitud. Un funcionario la revisará; por ahora no necesita hacer nada.',
    },
  },
  under_review: {
    en: {
      status: 'Under review',
      nextStep: 'An officer is reviewing your request. We will contact you if anything is missing.',
    },
    es: { status: 'En revisión', nextStep: 'Un funcionario está revisando su solicitud. Le avisaremos si falta algo.' },
  },
  needs_information: {
    en: {
      status: 'Information needed',
      nextStep: 'We need more information from you. Please come to the counter or call the consulate.',
    },
    es: {
      status: 'Falta información',
      nextStep: 'Necesitamos más información. Por favor acuda a la ventanilla o llame al consulado.',
    },
  },
  approved: {
    en: { status: 'Approved', nextStep: 'Your request was approved and your document is being prepared.' },
    es: { status: 'Aprobada', nextStep: 'Su solicitud fue aprobada y su documento se está preparando.' },
  },
  issued: {
    en: {
      status: 'Ready for pick-up',
      nextStep: 'Your document is ready. Come to the counter with an ID and your reference number.',
    },
    es: {
      status: 'Listo para recoger',
      nextStep: 'Su documento está listo. Acuda a la ventanilla con una identificación y su número de referencia.',
    },
  },
  delivered: {
    en: { status: 'Delivered', nextStep: 'Your document was delivered. Nothing else is needed.' },
    es: { status: 'Entregado', nextStep: 'Su documento fue entregado. No se necesita nada más.' },
  },
  rejected: {
    en: {
      status: 'Not approved',
      nextStep: 'Your request was not approved. Please ask at the counter for the reason and your options.',
    },
    es: {
      status: 'No aprobada',
      nextStep: 'Su solicitud no fue aprobada. Pregunte en la ventanilla el motivo y sus opciones.',
    },
  },
  cancelled: {
    en: { status: 'Cancelled', nextStep: 'This request was cancelled. You may file a new one at the counter.' },
    es: { status: 'Cancelada', nextStep: 'Esta solicitud fue cancelada. Puede presentar una nueva en la ventanilla.' },
  },
};

/** Spanish when the caller prefers it (`Accept-Language: es`, `es-MX`…), English otherwise. */
export function languageOf(header: string | undefined): Language {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'es' || tag.startsWith('es-')) return 'es';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
