"""The yardstick of bench/baseline.py: the naive stack, written as plainly as the FastAPI
tutorial ("SQL (Relational) Databases") would — a plain ``def`` endpoint, one SQLAlchemy
session per request, one order row and one event row inserted, commit — on SQLite in WAL
mode with ``synchronous=NORMAL`` (like ours), served by uvicorn with one worker.

    BASELINE_DB=/tmp/x.db python -m uvicorn _baseline_app:app --port 8001

No validation beyond the model's types, no catalogue, no deadline, no audit, no outbox:
what a first version of a ticket endpoint does."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, Text, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

engine = create_engine(f"sqlite:///{os.environ['BASELINE_DB']}", connect_args={"check_same_thread": False})


@event.listens_for(engine, "connect")
def _pragmas(connection, _record):  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    appeal_type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    category_code: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime]


class OrderEvent(Base):
    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


Base.metadata.create_all(bind=engine)


class OrderIn(BaseModel):
    channel: str
    appeal_type: str
    title: str
    content: str
    phone: str
    region_code: str
    category_code: str | None = None
    address: str | None = None


class OrderOut(BaseModel):
    id: int
    number: str
    status: str


app = FastAPI()


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.post("/api/v1/work-orders", status_code=201, response_model=OrderOut)
def create_order(order: OrderIn, db: Session = Depends(get_db)) -> OrderOut:  # noqa: B008 (FastAPI's idiom)
    now = dt.datetime.now(dt.UTC)
    row = Order(**order.model_dump(), status="registered", created_at=now)
    db.add(row)
    db.flush()
    db.add(OrderEvent(order_id=row.id, kind="work_order.registered", payload=json.dumps(order.model_dump()),
                      created_at=now))
    db.commit()
    db.refresh(row)
    return OrderOut(id=row.id, number=f"BL{row.id:010d}", status=row.status)
