import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { AddOutcome, ClusterForm } from "./backend";

/** The Add cluster wizard's steps, in the console's order. */
export const WIZARD_STEPS = ["basic", "advanced", "connection", "config", "review"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** What the Add cluster page is filling in. `config` is null until the host's default
 * Cluster Configuration has been put in (the first time the form's options arrive). */
export type Draft = Omit<ClusterForm, "config"> & { config: string | null };

export const EMPTY_DRAFT: Draft = { name: "", alias: "", tags: [], provider: "", description: "", group: null, config: null };

/** A cluster on a host: which one the Join page follows. */
export type ClusterRef = { host: string; cluster: string };

export type Flow = {
  draft: Draft;
  updateDraft: (patch: Partial<Draft>) => void;
  wizardStep: WizardStep;
  setWizardStep: (step: WizardStep) => void;
  /** The last cluster the wizard created, to show its outcome when the page comes back. */
  created: { host: string; outcome: AddOutcome } | null;
  setCreated: (created: { host: string; outcome: AddOutcome } | null) => void;
  /** Starts the wizard again from an empty form. */
  resetWizard: () => void;
  /** The cluster the Join page follows (set by the wizard's "Go to Join"). */
  currentCluster: ClusterRef | null;
  setCurrentCluster: (cluster: ClusterRef | null) => void;
};

const FlowContext = createContext<Flow | null>(null);

/** Holds what must outlive a page: the wizard's input and step (leaving the stage unmounts
 * the page) and the cluster the Join page follows. Lives in App, above the pages. */
export function FlowProvider({ children }: { children: ReactNode }) {
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [wizardStep, setWizardStep] = useState<WizardStep>("basic");
  const [created, setCreated] = useState<Flow["created"]>(null);
  const [currentCluster, setCurrentCluster] = useState<ClusterRef | null>(null);
  const updateDraft = useCallback((patch: Partial<Draft>) => setDraft((previous) => ({ ...previous, ...patch })), []);
  const resetWizard = useCallback(() => {
    setDraft(EMPTY_DRAFT);
    setWizardStep("basic");
    setCreated(null);
  }, []);
  const flow = useMemo<Flow>(
    () => ({ draft, updateDraft, wizardStep, setWizardStep, created, setCreated, resetWizard, currentCluster, setCurrentCluster }),
    [draft, updateDraft, wizardStep, created, resetWizard, currentCluster],
  );
  return <FlowContext.Provider value={flow}>{children}</FlowContext.Provider>;
}

export function useFlow(): Flow {
  const flow = useContext(FlowContext);
  if (!flow) throw new Error("useFlow needs a FlowProvider above it");
  return flow;
}
